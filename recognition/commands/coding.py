"""``recognition code``: code a file of open-text brand mentions against a brand list.

``recognition code MENTIONS.txt --brands BRANDS.json [--json]`` reads one mention per line (UTF-8) and a brand
list ``[{"id", "name", "aliases": [...]}]`` (or a stored code frame object with ``brands``), and prints one result
per input line, in order: a JSON array of ``{"text", "brands", "scores"}`` with ``--json``, a table otherwise.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from recognition.errors import UserError
from recognition.mentions.coding import CodedMention, CodeFrame, code_text, parse_brands, unmatched


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "code",
        parents=[common],
        help="code open-text brand mentions (one per line) against a brand list",
        description="Code unaided brand mentions, one per line of MENTIONS, against the brands in --brands.",
    )
    parser.add_argument("mentions", metavar="MENTIONS.txt", help="UTF-8 text file, one mention per line")
    parser.add_argument(
        "--brands",
        metavar="BRANDS.json",
        required=True,
        help='JSON array of {"id", "name", "aliases": [...]}, or a stored code frame object',
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array, one object per input line")
    parser.set_defaults(func=run)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{what} file not found: {path}") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"cannot read {what} file {path}: {exc.strerror}") from None


def load_frame(path: Path) -> CodeFrame:
    """The code frame in ``path``; :class:`UserError` naming the file and the bad entry."""
    text = _read_text(path, "brands")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    try:
        if isinstance(data, dict):
            return CodeFrame.from_dict(data)
        return CodeFrame(parse_brands(data))
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    frame = load_frame(Path(args.brands))
    lines = _read_text(Path(args.mentions), "mentions").splitlines()
    mentions = [code_text(line, frame) for line in lines]
    if args.json:
        print(json.dumps([_as_json(m) for m in mentions], ensure_ascii=False))
    else:
        print(_table(mentions, frame))
    return 0


def _as_json(mention: CodedMention) -> dict[str, Any]:
    return {"text": mention.text, "brands": list(mention.brands), "scores": list(mention.scores)}


def _table(mentions: list[CodedMention], frame: CodeFrame) -> str:
    width = min(40, max([len("mention"), *(len(m.text) for m in mentions)]))
    rows = [f"{'line':>4}  {'mention':<{width}}  brands (score)", f"{'-' * 4}  {'-' * width}  {'-' * 14}"]
    for number, mention in enumerate(mentions, start=1):
        text = mention.text if len(mention.text) <= width else mention.text[: width - 1] + "…"
        coded = ", ".join(f"{b} ({s})" for b, s in zip(mention.brands, mention.scores, strict=True)) or "-"
        rows.append(f"{number:>4}  {text:<{width}}  {coded}")
    coded_count = sum(1 for m in mentions if m.brands)
    rows.append(
        f"\n{len(mentions)} mentions, {coded_count} with a brand (code frame version {frame.version})"
    )
    leftovers = unmatched(mentions)
    if leftovers:
        shown = ", ".join(f"{f.text!r} ×{f.count}" for f in leftovers[:10])
        more = f" and {len(leftovers) - 10} more" if len(leftovers) > 10 else ""
        rows.append(f"uncoded fragments for review: {shown}{more}")
    return "\n".join(rows)
