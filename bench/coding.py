"""Unaided-mention coding speed against a bare rapidfuzz coder (and the coder of an older revision), one run.

    python bench/coding.py [--mentions 10000] [--old REV] [--json]

The mentions are the labelled, both development and both held-out sets of ``tests/data`` (five code frames, English
and German), cycled to ``--mentions`` boxes. Each box is coded by:

* **recognition**: :func:`recognition.mentions.coding.code_text` (normalisation, derived spellings, fuzzy and
  phonetic matching, dynamic programme per segment);
* **rapidfuzz**: the bare baseline — each comma/slash/"and" segment lower-cased and matched to the frame's
  names and aliases with ``rapidfuzz.process.extractOne(scorer=fuzz.WRatio, score_cutoff=85)``;
* **old** (with ``--old REV``, e.g. the commit before phonetic matching): ``code_text`` of the coder at that git
  revision, loaded from ``git show`` into a scratch package.

Frames are built before timing; each coder codes the same boxes in the same order. Each coder first codes every
distinct box once (first sight: no spelling seen before), then, built afresh, the cycled boxes. Printed:
seconds and microseconds per box for each, the ratios recognition/rapidfuzz and recognition/old on the cycled
boxes and on first sight, and each coder's precision and recall on the labelled sets (micro-averaged over
(mention, brand) pairs).
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz, process  # noqa: E402

from recognition.mentions.coding import CodeFrame, code_text, parse_brands  # noqa: E402

DATA = ROOT / "tests" / "data"
CATEGORIES = ("sportswear", "de_retail", "uk_retail", "us_fast_food", "de_electronics")
SETS = ("labelled", "dev", "dev2", "heldout", "heldout2")
_SPLIT = re.compile(r"\s*(?:[,;/|+&\n]|\band\b|\bund\b)\s*", re.IGNORECASE)

Coder = Callable[[str, str], tuple[str, ...]]


Row = tuple[str, tuple[str, ...], str]


def _rows() -> dict[str, list[Row]]:
    sets = {}
    for name in SETS:
        with (DATA / f"mentions_{name}.tsv").open(encoding="utf-8", newline="") as handle:
            lines = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
        sets[name] = [
            (text, tuple(b for b in ids.split(",") if b), category) for text, ids, category in lines
        ]
    return sets


def _brand_lists() -> dict[str, list[dict[str, Any]]]:
    return {c: json.loads((DATA / f"brands_{c}.json").read_text("utf-8")) for c in CATEGORIES}


def recognition_coder() -> Coder:
    frames = {c: CodeFrame(parse_brands(entries)) for c, entries in _brand_lists().items()}
    return lambda text, category: code_text(text, frames[category]).brands


def rapidfuzz_coder() -> Coder:
    choices: dict[str, tuple[list[str], list[str]]] = {}
    for category, entries in _brand_lists().items():
        texts = [
            (spelling.lower(), e["id"]) for e in entries for spelling in (e["name"], *e.get("aliases", []))
        ]
        choices[category] = ([t for t, _ in texts], [i for _, i in texts])

    def code(text: str, category: str) -> tuple[str, ...]:
        names, ids = choices[category]
        found: dict[str, None] = {}
        for segment in _SPLIT.split(text.lower()):
            if segment.strip():
                best = process.extractOne(segment, names, scorer=fuzz.WRatio, score_cutoff=85)
                if best is not None:
                    found[ids[best[2]]] = None
        return tuple(found)

    return code


def old_coder(revision: str, scratch: Path) -> Coder:
    """``code_text`` of the coder at ``revision``, its modules copied into a scratch package."""
    package = scratch / "old_mentions"
    package.mkdir()
    (package / "__init__.py").write_text("")
    listing = subprocess.run(
        ["git", "-C", str(ROOT), "ls-tree", "--name-only", revision, "recognition/mentions/"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for path in listing:
        if path.endswith(".py") and not path.endswith(("__init__.py", "recoding.py")):
            source = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{revision}:{path}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            (package / Path(path).name).write_text(source.replace("recognition.mentions.", "old_mentions."))
    sys.path.insert(0, str(scratch))
    module = importlib.import_module("old_mentions.coding")
    frames = {c: module.CodeFrame(module.parse_brands(entries)) for c, entries in _brand_lists().items()}
    return lambda text, category: tuple(module.code_text(text, frames[category]).brands)


def _accuracy(coder: Coder, rows: Sequence[Row]) -> dict[str, float]:
    tp = fp = fn = 0
    for text, gold, category in rows:
        predicted = set(coder(text, category))
        tp, fp, fn = (
            tp + len(predicted & set(gold)),
            fp + len(predicted - set(gold)),
            fn + len(set(gold) - predicted),
        )
    return {"precision": round(tp / max(1, tp + fp), 4), "recall": round(tp / max(1, tp + fn), 4)}


def _time(coder: Coder, boxes: Sequence[tuple[str, str]]) -> float:
    start = time.perf_counter()
    for text, category in boxes:
        coder(text, category)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--old", metavar="REV", help="also time the coder at this git revision")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    sets = _rows()
    rows = [row for name in SETS for row in sets[name]]
    boxes = [(rows[i % len(rows)][0], rows[i % len(rows)][2]) for i in range(args.mentions)]
    distinct = list(dict.fromkeys((text, category) for text, _, category in rows))
    with tempfile.TemporaryDirectory() as scratch:
        makers: dict[str, Callable[[], Coder]] = {
            "recognition": recognition_coder,
            "rapidfuzz": rapidfuzz_coder,
        }
        if args.old:
            old = old_coder(args.old, Path(scratch))
            makers["old"] = lambda: old
        report: dict[str, Any] = {"mentions": len(boxes), "distinct": len(distinct)}
        for make in makers.values():
            _time(make(), distinct[-50:])  # warm the interpreter; these boxes are coded again below
        cold = {name: _time(make(), distinct) for name, make in makers.items()}  # first sight of each box
        coders = {name: make() for name, make in makers.items()}
        for name, coder in coders.items():
            seconds = _time(coder, boxes)
            report[name] = {
                "seconds": round(seconds, 3),
                "us_per_mention": round(seconds / len(boxes) * 1e6, 1),
                "cold_us_per_mention": round(cold[name] / len(distinct) * 1e6, 1),
                **{name_: _accuracy(coder, sets[name_]) for name_ in SETS},
            }
    for peer in ("rapidfuzz", "old"):
        if peer in report:
            report[f"ratio_recognition_{peer}"] = round(
                report["recognition"]["seconds"] / report[peer]["seconds"], 2
            )
            report[f"first_ratio_recognition_{peer}"] = round(cold["recognition"] / cold[peer], 2)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"coding {len(boxes)} mentions (the {len(distinct)} distinct boxes of the labelled, two dev and two held-out"
    )
    print("sets, cycled; five code frames); 'first' is the µs per box when each distinct box is first coded")
    for name in coders:
        r = report[name]
        figures = ", ".join(f"{s} P {r[s]['precision']:.3f} R {r[s]['recall']:.3f}" for s in SETS)
        print(
            f"  {name:<12} {r['seconds']:7.3f} s  {r['us_per_mention']:7.1f} µs/mention"
            f" (first {r['cold_us_per_mention']:6.1f})   {figures}"
        )
    for peer in ("rapidfuzz", "old"):
        if peer in report:
            label = f"{peer} ({args.old})" if peer == "old" else peer
            print(
                f"ratio recognition / {label}: {report[f'ratio_recognition_{peer}']}"
                f" (first sight {report[f'first_ratio_recognition_{peer}']})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
