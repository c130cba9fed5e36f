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
from dataclasses import dataclass

import numpy as np

INTERLOCK_SEP = "*"
_SUM_TOLERANCE = 1e-6


class TargetError(ValueError):
    """Population targets or weighting data that cannot be used; the message names the variable and level."""


@dataclass(frozen=True, eq=False)
class CodedVariable:
    """One weighting variable: integer codes per row (into ``levels``) and target shares per level (sum 1)."""

    name: str
    codes: np.ndarray
    levels: tuple[str, ...]
    shares: np.ndarray


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
    return TargetError(f"variable {name!r}: {count} row(s) have a missing value; weighting variables must be complete")


def _factorize_unicode(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and first-occurrence indices of a fixed-width string array, via an exact-checked hash."""
    n = arr.shape[0]
    chars = np.ascontiguousarray(arr).view(np.uint8 if arr.dtype.kind == "S" else np.uint32).reshape(n, -1)
    powers = np.full(chars.shape[1], 1_000_003, dtype=np.uint64) ** np.arange(chars.shape[1], dtype=np.uint64)
    hashed = chars.astype(np.uint64) @ powers
    _, first, inverse = np.unique(hashed, return_index=True, return_inverse=True)
    if np.array_equal(arr[first][inverse], arr):
        return inverse.reshape(-1), first
    _, first, inverse = np.unique(arr, return_index=True, return_inverse=True)  # hash collision: exact sort
    return inverse.reshape(-1), first


def factorize(values: object, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes (``np.intp``) and the string label of each code for one column of level labels."""
    if isinstance(values, list | tuple):
        return _factorize_objects(values, name)
    categories = getattr(getattr(values, "cat", None), "categories", None)
    if categories is not None:  # a pandas categorical column, used without importing pandas
        codes = np.asarray(values.cat.codes, dtype=np.intp)  # type: ignore[attr-defined]
        if (codes < 0).any():
            raise _missing_error(name, int((codes < 0).sum()))
        return _merge_labels(codes, [_label(c) for c in categories])
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise TargetError(f"variable {name!r}: expected a one-dimensional column, got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind in "iub":
        uniq, inverse = np.unique(arr, return_inverse=True)
        return _merge_labels(inverse.reshape(-1).astype(np.intp), [_label(u) for u in uniq.tolist()])
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


def _column(data: Mapping[str, object], name: str, n: int | None) -> tuple[np.ndarray, tuple[str, ...]]:
    if name not in data:
        raise TargetError(f"variable {name!r} has targets but is not in the data")
    codes, labels = factorize(data[name], name)
    if n is not None and codes.shape[0] != n:
        raise TargetError(f"variable {name!r} has {codes.shape[0]} rows; other weighting variables have {n}")
    return codes, labels


def _interlocked(data: Mapping[str, object], name: str, n: int | None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes for an interlocked variable ``"a*b"``: the observed combinations of the component labels."""
    parts = name.split(INTERLOCK_SEP)
    if any(not p for p in parts):
        raise TargetError(f"interlocked variable {name!r}: empty component name")
    codes, labels = _column(data, parts[0], n)
    for part in parts[1:]:
        more, more_labels = _column(data, part, codes.shape[0])
        combined = codes * len(more_labels) + more
        uniq, inverse = np.unique(combined, return_inverse=True)
        labels = tuple(
            f"{labels[c // len(more_labels)]}{INTERLOCK_SEP}{more_labels[c % len(more_labels)]}" for c in uniq.tolist()
        )
        codes = inverse.reshape(-1).astype(np.intp)
    return codes, labels


def _shares(name: str, levels: Mapping[str, float]) -> dict[str, float]:
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


def coded_variable(data: Mapping[str, object], name: str, levels: Mapping[str, float], n: int | None) -> CodedVariable:
    """Check one variable's targets against its data and return codes aligned with target shares.

    Errors (:class:`TargetError`): variable absent from data; missing labels; shares not summing to 1 or 100;
    a sample level without a target; a target level with share > 0 and no respondents; respondents in a level
    whose target is 0 (positive weights cannot reach 0).
    """
    shares = _shares(name, levels)
    if INTERLOCK_SEP in name:
        codes, labels = _interlocked(data, name, n)
    else:
        codes, labels = _column(data, name, n)
    if codes.shape[0] == 0:
        raise TargetError("the data have no rows to weight")
    counts = np.bincount(codes, minlength=len(labels))
    present = [lab for lab, c in zip(labels, counts.tolist(), strict=True) if c > 0]
    untargeted = [lab for lab in present if lab not in shares]
    if untargeted:
        raise TargetError(f"variable {name!r}: sample level(s) {', '.join(map(repr, untargeted))} have no target")
    zero = [lab for lab in present if shares[lab] == 0.0]
    if zero:
        raise TargetError(
            f"variable {name!r}: level(s) {', '.join(map(repr, zero))} have respondents but a target share of 0"
        )
    empty = [lab for lab, share in shares.items() if share > 0 and lab not in set(present)]
    if empty:
        raise TargetError(f"variable {name!r}: target level(s) {', '.join(map(repr, empty))} have no respondents")
    order = tuple(lab for lab in shares if shares[lab] > 0)  # target order; the first is the reference level
    position = {lab: i for i, lab in enumerate(order)}
    remap = np.array([position.get(lab, -1) for lab in labels], dtype=np.intp)
    return CodedVariable(
        name=name,
        codes=remap[codes],
        levels=order,
        shares=np.array([shares[lab] for lab in order], dtype=float),
    )
