"""Reading the inputs of the statistics commands: population targets, sample CSV files and option values.

Every failure is a :class:`~recognition.errors.UserError` whose message names the file and the column, the
1-based data row (the header is row 0) or the level at fault, so a person can go straight to the bad cell.
"""

from __future__ import annotations

import csv
import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recognition.errors import UserError
from recognition.populations import known_populations, populations_dir

Targets = dict[str, dict[str, float]]

INTERLOCK = "*"
_COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")


# --- targets -----------------------------------------------------------------------------------------------


def load_targets(spec: str) -> tuple[Targets, str]:
    """Targets named by ``spec``, and a label for messages (the file that held them).

    ``spec`` is a JSON file ``{"variable": {"level": share, ...}, ...}``, a TOML file of the same shape, a
    population file of ``config/populations`` (``[margins.<variable>]`` tables; other tables are ignored),
    or a bare country code such as ``us`` meaning the shipped ``config/populations/us.toml``.
    """
    path = Path(spec)
    if not path.exists() and _COUNTRY_CODE.match(spec):
        path = populations_dir() / f"{spec.lower()}.toml"
        if not path.is_file():
            known = ", ".join(known_populations()) or "none"
            raise UserError(f"--targets {spec}: no population file {path.name} (known countries: {known})")
    if not path.is_file():
        raise UserError(f"--targets {spec}: no such file")
    raw = _read_target_document(path)
    return _validate_targets(raw, str(path)), str(path)


def _read_target_document(path: Path) -> Any:
    try:
        if path.suffix.lower() == ".json":
            with path.open(encoding="utf-8") as fh:
                return json.load(fh)
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise UserError(f"{path}: not valid {kind}: {exc}") from exc
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror}") from exc
    if "margins" in doc:
        return doc["margins"]
    # A plain TOML targets file: every table is a variable; scalars and a [meta] table are not targets.
    return {k: v for k, v in doc.items() if isinstance(v, dict) and k != "meta"}


def _validate_targets(raw: Any, source: str) -> Targets:
    if not isinstance(raw, Mapping) or not raw:
        raise UserError(f"{source}: expected an object of variable → {{level: share}}; found no variables")
    targets: Targets = {}
    for var, levels in raw.items():
        if not isinstance(levels, Mapping) or not levels:
            raise UserError(f"{source}: variable {var!r} must map levels to shares")
        shares: dict[str, float] = {}
        for level, share in levels.items():
            if isinstance(share, bool) or not isinstance(share, int | float):
                raise UserError(
                    f"{source}: variable {var!r} level {level!r}: share {share!r} is not a number"
                )
            if not math.isfinite(share) or share < 0:
                raise UserError(f"{source}: variable {var!r} level {level!r}: share {share!r} must be ≥ 0")
            shares[str(level)] = float(share)
        targets[str(var)] = shares
    return targets


# --- options -----------------------------------------------------------------------------------------------


def parse_cap(text: str) -> tuple[float, float]:
    """``--cap LO,HI``: relative weight bounds with ``0 ≤ LO < 1 < HI`` (weights have mean 1)."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lo, hi = float(parts[0]), float(parts[1])
    except ValueError:
        raise UserError(f"--cap {text!r}: expected two numbers LO,HI such as 0.2,5") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo < 1 < hi):
        raise UserError(f"--cap {text!r}: bounds must satisfy 0 <= LO < 1 < HI (weights have mean 1)")
    return lo, hi


def parse_contrast(text: str, columns: Sequence[str]) -> tuple[str, str]:
    """``--contrast A-B``: the two columns, split at the ``-`` that leaves a known column on both sides."""
    for i, ch in enumerate(text):
        if ch == "-" and text[:i] in columns and text[i + 1 :] in columns:
            return text[:i], text[i + 1 :]
    if "-" not in text:
        raise UserError(f"--contrast {text!r}: expected COL_A-COL_B")
    raise UserError(
        f"--contrast {text!r}: no split into two columns of the sample (columns: {', '.join(columns)})"
    )


# --- sample CSV --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleTable:
    """A sample CSV as read: the header, the raw rows (kept untouched for writing back) and the file name."""

    path: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def n(self) -> int:
        return len(self.rows)

    def index(self, column: str, purpose: str) -> int:
        try:
            return self.header.index(column)
        except ValueError:
            raise UserError(
                f"{self.path}: no column {column!r} ({purpose}); columns: {', '.join(self.header)}"
            ) from None

    def labels(self, column: str, purpose: str = "a weighting variable") -> np.ndarray:
        """The column as stripped string labels; a blank label is an error naming its row."""
        j = self.index(column, purpose)
        values = [row[j].strip() for row in self.rows]
        for r, value in enumerate(values, start=1):
            if not value:
                raise UserError(f"{self.path}: column {column!r} row {r}: blank label")
        return np.asarray(values, dtype=str)

    def numbers(self, column: str, purpose: str = "an outcome") -> np.ndarray:
        """The column as floats; a blank or non-numeric value is an error naming its row."""
        j = self.index(column, purpose)
        out = np.empty(len(self.rows))
        for r, row in enumerate(self.rows, start=1):
            text = row[j].strip()
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                shown = repr(text) if text else "a blank"
                raise UserError(f"{self.path}: column {column!r} row {r}: {shown} is not a number")
            out[r - 1] = value
        return out


def read_sample(path_text: str) -> SampleTable:
    """Read a sample CSV (UTF-8, header row first). Ragged rows and empty files are errors."""
    path = Path(path_text)
    if not path.is_file():
        raise UserError(f"{path_text}: no such file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            rows = [tuple(row) for row in reader if row]
    except UnicodeDecodeError as exc:
        raise UserError(f"{path_text}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise UserError(f"{path_text}: not a readable CSV: {exc}") from exc
    if header is None or not any(h.strip() for h in header):
        raise UserError(f"{path_text}: empty CSV (no header row)")
    names = tuple(h.strip() for h in header)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UserError(f"{path_text}: column {name!r} appears twice in the header")
        seen.add(name)
    if not rows:
        raise UserError(f"{path_text}: empty CSV (a header but no data rows)")
    for r, row in enumerate(rows, start=1):
        if len(row) != len(names):
            raise UserError(f"{path_text}: row {r} has {len(row)} fields; the header has {len(names)}")
    return SampleTable(path=path_text, header=names, rows=tuple(rows))


def weighting_data(table: SampleTable, targets: Targets, targets_source: str) -> dict[str, np.ndarray]:
    """The target variables' label columns, checked against the targets level by level.

    A sample level without a target names the first row holding it; a target level with a positive share
    and no respondents is named too (raking cannot reach it). An interlocked target variable ``"a*b"`` with
    no column of its own is built from the columns ``a`` and ``b``, its labels joined by ``*``.
    """
    data: dict[str, np.ndarray] = {}
    for var, levels in targets.items():
        labels = _target_labels(table, var)
        present = set(labels.tolist())
        for r, value in enumerate(labels, start=1):
            if value not in levels:
                raise UserError(
                    f"{table.path}: column {var!r} row {r}: level {value!r} has no target in "
                    f"{targets_source} (levels: {', '.join(levels)})"
                )
        for level, share in levels.items():
            if share > 0 and level not in present:
                raise UserError(
                    f"{table.path}: column {var!r}: target level {level!r} (share {share:g} in "
                    f"{targets_source}) has no respondents"
                )
        data[var] = labels
    return data


def _target_labels(table: SampleTable, var: str) -> np.ndarray:
    if var in table.header or INTERLOCK not in var:
        return table.labels(var)
    parts = [
        table.labels(part, f"a component of the interlocked variable {var!r}")
        for part in var.split(INTERLOCK)
    ]
    joined = parts[0].astype(object)
    for part in parts[1:]:
        joined = joined + INTERLOCK + part.astype(object)
    return np.asarray(joined, dtype=str)


def write_with_weights(
    table: SampleTable, weights: np.ndarray, out_path: str, column: str = "weight"
) -> None:
    """Write the sample back with a ``weight`` column (replaced in place if present, else appended last).

    Other columns are written as they were read. Weights use ``repr`` so they round-trip exactly.
    """
    header = list(table.header)
    replace = column in header
    j = header.index(column) if replace else len(header)
    if not replace:
        header.append(column)
    try:
        with open(out_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            for row, w in zip(table.rows, weights, strict=True):
                values = list(row)
                if replace:
                    values[j] = repr(float(w))
                else:
                    values.append(repr(float(w)))
                writer.writerow(values)
    except OSError as exc:
        raise UserError(f"--out {out_path}: cannot write: {exc.strerror}") from exc


def json_number(value: float | int | None) -> float | int | None:
    """A JSON-safe number: NaN and ±inf become ``null`` (strict JSON has neither)."""
    if value is None:
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    v = float(value)
    return v if math.isfinite(v) else None
