"""Turning columns of level labels into integer codes, and checking population targets against them.

Labels are compared as strings: a data value ``3`` (int) or ``3.0`` (integral float) matches the target level
``"3"``; ``True`` matches ``"True"``. Missing values are ``None``, float NaN and the empty string; a weighting
variable with a missing value is an error, never silently dropped.

Interlocked cells: a target variable whose name joins data variables with ``"*"`` (``"age*gender"``) is built
from its component columns, its levels being the component labels joined the same way (``"18-24*female"``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

INTERLOCK_SEP = "*"
_SUM_TOLERANCE = 1e-6
_CHUNK = 65536


class TargetError(ValueError):
    """Population targets or weighting data that cannot be used; the message names the variable and level."""


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return value == ""
    return False


def _label(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _merge_labels(codes: np.ndarray, raw_labels: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Different raw values can share one label (``1`` and ``"1"``): merge their codes."""
    labels = list(dict.fromkeys(raw_labels))
    if len(labels) == len(raw_labels):
        return codes, tuple(raw_labels)
    index = {label: i for i, label in enumerate(labels)}
    remap = np.array([index[label] for label in raw_labels], dtype=np.intp)
    return remap[codes], tuple(labels)


def _missing_error(name: str, count: int) -> TargetError:
    return TargetError(
        f"variable {name!r}: {count} row(s) have a missing value; weighting variables must be complete"
    )


def _compact(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes 0..k-1 for the distinct values of an integer key, and one row index per code.

    O(n) with ``np.bincount`` when the values (or a 16-bit bucket of them) do not collide; sorting otherwise.
    """
    n = key.shape[0]
    small: np.ndarray | None
    if key.dtype.kind == "u":  # hashes: bucket by the top 16 bits of a multiplicative mix
        small = ((key * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(48)).astype(np.intp)
        representative = np.zeros(1 << 16, dtype=key.dtype)
        representative[small] = key
        if not np.array_equal(representative[small], key):
            small = None
    else:
        low = int(key.min())
        small = key - low if int(key.max()) - low <= 4 * n + 1024 else None
    if small is None:
        _, inverse = np.unique(key, return_inverse=True)
        codes = inverse.reshape(-1).astype(np.intp)
    else:
        present = np.bincount(small) > 0
        codes = (np.cumsum(present) - 1)[small]
    first = np.empty(int(codes.max()) + 1, dtype=np.intp)
    first[codes] = np.arange(n)
    return codes, first


def _factorize_unicode(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and one row index per code for a fixed-width string array.

    Rows are hashed by a dot product of their character codes with fixed random weights (in cache-sized chunks),
    then checked exactly against the strings; a collision falls back to sorting. Identical strings that hash
    apart only produce duplicate labels, which :func:`_merge_labels` merges.
    """
    n = arr.shape[0]
    chars = np.ascontiguousarray(arr).view(np.uint8 if arr.dtype.kind == "S" else np.uint32).reshape(n, -1)
    weights = np.random.default_rng(20240601).random(chars.shape[1]) + 1.0
    hashed = np.empty(n)
    for start in range(0, n, _CHUNK):
        hashed[start : start + _CHUNK] = chars[start : start + _CHUNK].astype(float) @ weights
    codes, first = _compact(hashed.view(np.uint64))
    representatives = arr[first]
    if all(
        np.array_equal(representatives[codes[start : start + _CHUNK]], arr[start : start + _CHUNK])
        for start in range(0, n, _CHUNK)
    ):
        return codes, first
    _, first, inverse = np.unique(arr, return_index=True, return_inverse=True)
    return inverse.reshape(-1).astype(np.intp), first


def factorize(values: object, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes (``np.intp``) and the string label of each code for one column of level labels."""
    if isinstance(values, list | tuple):
        return _factorize_objects(values, name)
    # A pandas categorical (a Series with .cat, or a bare Categorical), duck-typed: pandas is not imported.
    categorical = getattr(values, "cat", None) or (values if hasattr(values, "categories") else None)
    categories = getattr(categorical, "categories", None)
    if categories is not None:
        codes = np.asarray(categorical.codes).astype(np.intp, copy=False)  # type: ignore[union-attr]
        if codes.shape[0] and codes.min() < 0:
            raise _missing_error(name, int((codes < 0).sum()))
        return _merge_labels(codes, [_label(c) for c in categories])
    if hasattr(values, "factorize") and hasattr(values, "isna"):  # another pandas column
        raw_codes, uniques = values.factorize()
        codes = np.asarray(raw_codes, dtype=np.intp)
        if (codes < 0).any():
            raise _missing_error(name, int((codes < 0).sum()))
        labels = [_label(u) for u in list(uniques)]
        if "" in labels:
            raise _missing_error(name, int((codes == labels.index("")).sum()))
        return _merge_labels(codes, labels)
    return _factorize_array(np.asarray(values), name)


def _factorize_array(arr: np.ndarray, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    if arr.ndim != 1:
        raise TargetError(f"variable {name!r}: expected a one-dimensional column, got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind in "iub":
        if arr.shape[0] == 0:
            return np.zeros(0, dtype=np.intp), ()
        low, high = int(arr.min()), int(arr.max())
        if (
            kind != "b" and low >= 0 and high <= 4 * arr.shape[0] + 1024
        ):  # already small codes: use as they are
            return arr.astype(np.intp, copy=False), tuple(str(v) for v in range(high + 1))
        codes, first = _compact(arr.astype(np.int64))
        return _merge_labels(codes, [_label(u) for u in arr[first].tolist()])
    if kind == "f":
        bad = np.isnan(arr)
        if bad.any():
            raise _missing_error(name, int(bad.sum()))
        uniq, inverse = np.unique(arr, return_inverse=True)
        return _merge_labels(inverse.reshape(-1).astype(np.intp), [_label(u) for u in uniq.tolist()])
    if kind in "US":
        if arr.shape[0] == 0:
            return np.zeros(0, dtype=np.intp), ()
        codes, first = _factorize_unicode(arr)
        raw = [v.decode() if isinstance(v, bytes) else str(v) for v in arr[first].tolist()]
        if "" in raw:
            raise _missing_error(name, int((codes == raw.index("")).sum()))
        return _merge_labels(codes.astype(np.intp), raw)
    return _factorize_objects(arr.tolist(), name)


def _factorize_objects(values: Sequence[object], name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    try:
        uniques = list(dict.fromkeys(values))
        index = {v: i for i, v in enumerate(uniques)}
        codes = np.fromiter(map(index.__getitem__, values), dtype=np.intp, count=len(values))
    except TypeError as exc:  # unhashable values
        raise TargetError(f"variable {name!r}: values must be level labels (strings or numbers)") from exc
    missing = [i for i, v in enumerate(uniques) if _is_missing(v)]
    if missing:
        raise _missing_error(name, int(np.isin(codes, missing).sum()))
    return _merge_labels(codes, [_label(v) for v in uniques])


def column(data: Mapping[str, object], name: str, n: int | None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes and labels for a target variable: a data column, or an interlocked ``"a*b"`` variable
    whose codes index every combination of the component labels (``"18-24*female"``)."""
    parts = name.split(INTERLOCK_SEP)
    if any(not p for p in parts):
        raise TargetError(f"interlocked variable {name!r}: empty component name")
    codes, labels = _data_column(data, parts[0], n)
    for part in parts[1:]:
        more, more_labels = _data_column(data, part, codes.shape[0])
        codes = codes * len(more_labels) + more
        labels = tuple(f"{a}{INTERLOCK_SEP}{b}" for a in labels for b in more_labels)
    if codes.shape[0] == 0:
        raise TargetError("the data have no rows to weight")
    return codes, labels


def _data_column(data: Mapping[str, object], name: str, n: int | None) -> tuple[np.ndarray, tuple[str, ...]]:
    if name not in data:
        raise TargetError(f"variable {name!r} has targets but is not in the data")
    codes, labels = factorize(data[name], name)
    if n is not None and codes.shape[0] != n:
        raise TargetError(f"variable {name!r} has {codes.shape[0]} rows; other weighting variables have {n}")
    return codes, labels


def parse_shares(name: str, levels: Mapping[str, float]) -> dict[str, float]:
    """Target shares of one variable, normalised to sum 1 (shares may be given as fractions or percentages)."""
    if not isinstance(levels, Mapping) or not levels:
        raise TargetError(f"variable {name!r}: targets must be a non-empty table of level = share")
    shares: dict[str, float] = {}
    for level, share in levels.items():
        try:
            value = float(share)
        except (TypeError, ValueError) as exc:
            raise TargetError(f"variable {name!r}, level {level!r}: share {share!r} is not a number") from exc
        if not math.isfinite(value) or value < 0:
            raise TargetError(f"variable {name!r}, level {level!r}: share {share!r} must be finite and >= 0")
        shares[_label(level)] = value
    total = math.fsum(shares.values())
    if abs(total - 1.0) <= _SUM_TOLERANCE or abs(total - 100.0) <= 100 * _SUM_TOLERANCE:
        return {level: v / total for level, v in shares.items()}
    raise TargetError(f"variable {name!r}: target shares sum to {total:.6g}; they must sum to 1 (or 100)")


def align_levels(
    name: str, labels: tuple[str, ...], counts: np.ndarray, shares: Mapping[str, float]
) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    """Check the sample levels of one variable against its targets.

    ``counts[c]`` is the number of respondents with code c (label ``labels[c]``). Returns ``remap`` (code → index
    into the target levels, -1 for labels nobody has), the target levels kept (share > 0; the first is the
    reference level of the model matrix) and their shares. Errors (:class:`TargetError`): a sample level without
    a target; a target level with share > 0 and no respondents; respondents in a level whose target is 0
    (positive weights cannot reach 0).
    """
    present = [lab for lab, c in zip(labels, counts.tolist(), strict=True) if c > 0]
    untargeted = [lab for lab in present if lab not in shares]
    if untargeted:
        raise TargetError(
            f"variable {name!r}: sample level(s) {', '.join(map(repr, untargeted))} have no target"
        )
    zero = [lab for lab in present if shares[lab] == 0.0]
    if zero:
        raise TargetError(
            f"variable {name!r}: level(s) {', '.join(map(repr, zero))} have respondents but a target share of 0"
        )
    present_set = set(present)
    empty = [lab for lab, share in shares.items() if share > 0 and lab not in present_set]
    if empty:
        raise TargetError(
            f"variable {name!r}: target level(s) {', '.join(map(repr, empty))} have no respondents"
        )
    order = tuple(lab for lab in shares if shares[lab] > 0)
    position = {lab: i for i, lab in enumerate(order)}
    remap = np.array([position.get(lab, -1) for lab in labels], dtype=np.intp)
    return remap, order, np.array([shares[lab] for lab in order], dtype=float)
