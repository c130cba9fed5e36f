"""Inputs and outputs of the statistics commands: population targets, sample CSV files, option values, and
the printed results.

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
from recognition.stats.benchmarks import parse_benchmarks, targets_with_benchmarks
from recognition.stats.weighting import RakeResult

Targets = dict[str, dict[str, float]]

INTERLOCK = "*"
_COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")


# --- targets -----------------------------------------------------------------------------------------------


def load_targets(spec: str, benchmarks: Sequence[str] = ()) -> tuple[Targets, str]:
    """Targets named by ``spec``, and a label for messages (the file that held them).

    ``spec`` is a JSON file ``{"variable": {"level": share, ...}, ...}``, a TOML file of the same shape, a
    population file of ``config/populations`` (``[margins.<variable>]`` tables; other tables are ignored),
    or a bare country code such as ``us`` meaning the shipped ``config/populations/us.toml``.
    ``benchmarks`` names ``[benchmarks.<variable>]`` tables of a population file to rake to as well, each as
    one more margin (:mod:`recognition.stats.benchmarks`).
    """
    path = Path(spec)
    if not path.exists() and _COUNTRY_CODE.match(spec):
        path = populations_dir() / f"{spec.lower()}.toml"
        if not path.is_file():
            known = ", ".join(known_populations()) or "none"
            raise UserError(f"--targets {spec}: no population file {path.name} (known countries: {known})")
    if not path.is_file():
        raise UserError(f"--targets {spec}: no such file")
    document = _read_target_document(path)
    population = path.suffix.lower() != ".json" and "margins" in document  # TOML: always a table
    if population:
        raw = document["margins"]
    else:  # JSON as it is; in a plain TOML file every table but [meta] is a variable
        raw = document if path.suffix.lower() == ".json" else _plain_targets(document)
    targets = _validate_targets(raw, str(path))
    if not benchmarks:
        return targets, str(path)
    if not population:
        raise UserError(
            f"--benchmark {benchmarks[0]}: {path} is not a population file with [benchmarks.<variable>] tables "
            "(use a file of config/populations or a country code)"
        )
    try:
        declared = parse_benchmarks(document, str(path))
        return targets_with_benchmarks(targets, declared, benchmarks, str(path)), str(path)
    except ValueError as exc:
        raise UserError(str(exc)) from exc


def _plain_targets(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if isinstance(v, dict) and k != "meta"}


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
    return doc


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

    def outcome(self, column: str, kind: str) -> np.ndarray:
        """An outcome column as floats; for ``kind="proportion"`` every value must be 0 or 1, and the first
        that is not is named with its row (a stray 2 is an error, never a silent switch to a mean)."""
        values = self.numbers(column)
        if kind == "proportion":
            bad = np.flatnonzero((values != 0) & (values != 1))
            if bad.size:
                r = int(bad[0])
                text = self.rows[r][self.header.index(column)].strip()
                raise UserError(
                    f"{self.path}: column {column!r} row {r + 1}: value {text!r} is not 0 or 1; a proportion "
                    f"needs 0/1 values (use --kind mean for scores)"
                )
        return values

    def base_weights(self, column: str) -> np.ndarray:
        """``--base-weight`` column: design weights, each a finite number > 0 (the row of the first that is
        not is named)."""
        values = self.numbers(column, "the --base-weight column")
        bad = np.flatnonzero(~(values > 0))
        if bad.size:
            r = int(bad[0])
            text = self.rows[r][self.header.index(column)].strip()
            raise UserError(
                f"{self.path}: column {column!r} row {r + 1}: base weight {text!r} must be a number above 0"
            )
        return values


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
                    f"{table.path}: column {var!r} row {r}: level {str(value)!r} has no target in "
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


def check_new_column(table: SampleTable, column: str) -> None:
    """The weights column must be new: an existing column of that name is never overwritten."""
    if column in table.header:
        raise UserError(
            f"{table.path}: already has a column {column!r}, which is not overwritten; name the new weights "
            f"with --weight-column (e.g. --weight-column raked_weight)"
        )


def write_with_weights(
    table: SampleTable, weights: np.ndarray, out_path: str, column: str = "weight"
) -> None:
    """Write the sample back with the weights appended as a last ``column``; the other columns are written as
    they were read. A sample that already has ``column`` is refused (nothing is overwritten): pick another name.
    Weights use ``repr`` so they round-trip exactly.
    """
    check_new_column(table, column)
    try:
        with open(out_path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow([*table.header, column])
            for row, w in zip(table.rows, weights, strict=True):
                writer.writerow([*row, repr(float(w))])
    except OSError as exc:
        raise UserError(f"--out {out_path}: cannot write: {exc.strerror}") from exc


# --- output ------------------------------------------------------------------------------------------------


def print_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, indent=2, allow_nan=False))


def human_weighting(result: RakeResult, path: str, n_vars: int) -> str:
    state = "converged" if result.converged else "DID NOT CONVERGE"
    lines = [
        f"{path}: {result.n} respondents raked on {n_vars} variables: {state} in {result.iterations} iterations "
        f"(max margin error {result.max_margin_error:.2g})",
        f"effective n {result.n_eff:.1f}, Kish design effect {result.deff_kish:.3f}, "
        f"weights {result.weight_min:.3f} to {result.weight_max:.3f}"
        + (" (clipped to the bounds)" if result.trimmed else ""),
    ]
    lines += [f"warning: {w}" for w in result.warnings]
    return "\n".join(lines)


def emit_estimates(payload: dict[str, Any], *, json_output: bool, level: float) -> None:
    """Print ``estimate``'s result: the JSON object, or a table in which suppressed rows show no numbers."""
    if json_output:
        print_json(payload)
        return
    w = payload["weighting"]
    print(
        f"weighting: converged={w['converged']} iterations={w['iterations']} n={w['n']} "
        f"n_eff={fmt(w['n_eff'], '.1f')} deff={fmt(w['deff_kish'], '.3f')}"
    )
    if payload["estimates"]:
        pct = f"{round(level * 100, 6):g}%"
        print(
            f"{'outcome':<20} {'group':<16} {'estimate':>9} {'se':>8}  {pct + ' CI':<19} {'n':>6} {'n_eff':>8}"
        )
    for row in payload["estimates"]:
        if row["base_status"] == "suppressed":
            numbers = f"{'suppressed':>9} {'':>8}  {'(base too small)':<19}"
        else:
            ci = f"[{fmt(row['ci_low'], '.4f')}, {fmt(row['ci_high'], '.4f')}]"
            numbers = f"{fmt(row['estimate'], '.4f'):>9} {fmt(row['se'], '.4f'):>8}  {ci:<19}"
        flag = "  low base" if row["base_status"] == "low" else ""
        print(
            f"{row['outcome']:<20} {row['group']:<16} {numbers} {row['n']:>6} {fmt(row['n_eff'], '.1f'):>8}{flag}"
        )
    for c in payload["contrasts"]:
        if c["base_status"] == "suppressed":
            print(f"contrast {c['name']}: suppressed (effective base too small)")
            continue
        print(
            f"contrast {c['name']}: {fmt(c['estimate'], '.4f')} (se {fmt(c['se'], '.4f')}, "
            f"t {fmt(c['statistic'], '.2f')}, p {fmt(c['p_value'], '.3g')})"
        )


def fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def json_number(value: float | int | None) -> float | int | None:
    """A JSON-safe number: NaN and ±inf become ``null`` (strict JSON has neither)."""
    if value is None:
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    v = float(value)
    return v if math.isfinite(v) else None
