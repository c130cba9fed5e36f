"""The respondent-level dataset (:class:`recognition.exports.dataset.RespondentTable`) as a file.

* **SPSS** ``.sav`` (``pyreadstat``): categories as codes 1..k with value labels, indicators with value labels
  (0 no / 1 yes; NPS −100 detractor / 0 passive / 100 promoter), variable labels, missing as system-missing, and
  the weight variable set in the file header (the dictionary index SPSS's ``WEIGHT BY`` records, which
  ``pyreadstat`` does not write: it is set after writing, as the system-file format documents it).
* **Parquet** (``pyarrow``): categories as dictionary-encoded text (in level order), indicators as small
  integers, missing as null; each field's label and value labels in its metadata (``label``,
  ``value_labels`` as JSON), the weight variable's name in the schema metadata (``weight``).
* **CSV**: categories as their level text, numbers as written by Python (the shortest text that reads back to
  the same double), missing as an empty cell.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import struct
import tempfile
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from recognition.exports.dataset import RespondentTable, Variable

FORMATS = {"csv": "text/csv", "sav": "application/x-spss-sav", "parquet": "application/vnd.apache.parquet"}
_HEADER = 176  # bytes of the .sav file header record
_WEIGHT_OFFSET = 76  # int32 weight_index in the header


def to_csv(table: RespondentTable) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([v.name for v in table.variables])
    columns = [[_csv_cell(x) for x in v.values] for v in table.variables]
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _arrow_array(v: Variable) -> pa.Array:
    if v.kind == "category":
        index = {level: i for i, level in enumerate(v.categories)}
        codes = pa.array([index.get(x) for x in v.values], type=pa.int16())
        return pa.DictionaryArray.from_arrays(codes, pa.array(list(v.categories), type=pa.string()))
    if v.kind == "string":
        return pa.array(list(v.values), type=pa.string())
    values = [None if math.isnan(x) else x for x in map(float, v.values)]
    if v.name == "wave_id":
        return pa.array([None if x is None else int(x) for x in values], type=pa.int64())
    if v.value_labels and all(x is None or x.is_integer() for x in values):
        return pa.array([None if x is None else int(x) for x in values], type=pa.int16())
    return pa.array(values, type=pa.float64())


def to_parquet(table: RespondentTable) -> bytes:
    fields, arrays = [], []
    for v in table.variables:
        array = _arrow_array(v)
        meta = {"label": v.label}
        if v.value_labels:
            meta["value_labels"] = json.dumps({f"{k:g}": s for k, s in v.value_labels.items()})
        fields.append(pa.field(v.name, array.type, metadata=meta))
        arrays.append(array)
    schema = pa.schema(fields, metadata={"title": table.title, "weight": table.weight})
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), sink)
    return bytes(sink.getvalue().to_pybytes())


def to_sav(table: RespondentTable) -> bytes:
    data: dict[str, Any] = {}
    value_labels: dict[str, dict[float, str]] = {}
    measures: dict[str, str] = {}
    formats: dict[str, str] = {}
    for v in table.variables:
        if v.kind == "category":
            index = {level: float(i + 1) for i, level in enumerate(v.categories)}
            data[v.name] = pd.Series([index.get(x, math.nan) for x in v.values], dtype="float64")
            value_labels[v.name] = {float(i + 1): level for i, level in enumerate(v.categories)}
        elif v.kind == "string":
            data[v.name] = pd.Series(list(v.values), dtype="object")
        else:
            data[v.name] = pd.Series([float(x) for x in v.values], dtype="float64")
            if v.value_labels:
                value_labels[v.name] = dict(v.value_labels)
        measures[v.name] = v.measure
        if v.kind != "string":
            formats[v.name] = "F12.8" if v.measure == "scale" and v.name == table.weight else "F8.0"
    frame = pd.DataFrame(data)
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        pyreadstat.write_sav(
            frame,
            path,
            file_label=table.title[:64],
            column_labels={v.name: v.label for v in table.variables},
            variable_value_labels=value_labels,
            variable_measure=measures,
            variable_format=formats,
        )
        with open(path, "rb") as f:
            raw = f.read()
    finally:
        os.unlink(path)
    position = [v.name for v in table.variables].index(table.weight)
    return set_sav_weight(raw, position)


def _endian(raw: bytes) -> str:
    if raw[:4] not in (b"$FL2", b"$FL3"):
        raise ValueError("not an SPSS system file")
    return "<" if struct.unpack_from("<i", raw, 64)[0] in (2, 3) else ">"


def sav_dictionary_index(raw: bytes, position: int) -> int:
    """The 1-based dictionary index of the variable at ``position`` (0-based, in file order): variable records
    counted from the header on, a long string's continuation records included (the system-file format)."""
    end = _endian(raw)
    offset, index, seen = _HEADER, 0, -1
    while struct.unpack_from(end + "i", raw, offset)[0] == 2:
        _, vtype, has_label, n_missing = struct.unpack_from(end + "4i", raw, offset)
        index += 1
        if vtype != -1:
            seen += 1
            if seen == position:
                return index
        offset += 32
        if has_label:
            length = struct.unpack_from(end + "i", raw, offset)[0]
            offset += 4 + (length + 3) // 4 * 4
        offset += 8 * abs(n_missing)
    raise ValueError(f"the file has no variable at position {position}")


def set_sav_weight(raw: bytes, position: int) -> bytes:
    """``raw`` with the variable at ``position`` set as the file's weight variable."""
    out = bytearray(raw)
    struct.pack_into(_endian(raw) + "i", out, _WEIGHT_OFFSET, sav_dictionary_index(raw, position))
    return bytes(out)


def sav_weight_index(raw: bytes) -> int:
    """The weight variable's dictionary index in a .sav header (0: none)."""
    return int(struct.unpack_from(_endian(raw) + "i", raw, _WEIGHT_OFFSET)[0])


def render(table: RespondentTable, fmt: str) -> bytes:
    """The dataset as ``fmt``: csv, sav or parquet."""
    if fmt == "csv":
        return to_csv(table)
    if fmt == "sav":
        return to_sav(table)
    if fmt == "parquet":
        return to_parquet(table)
    raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
