"""Data commands: ``export`` (respondent-level files), ``banner`` (banner tables) and ``import`` (a tracker's
history from another provider)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from recognition.commands.common import run, settings_from, with_conn
from recognition.db import database
from recognition.errors import UserError
from recognition.exports.banner import BannerTable, banner_table, wave_banner_input
from recognition.exports.banner_files import BANNER_FORMATS, render_banner
from recognition.exports.dataset import RespondentTable, import_mapping
from recognition.exports.files import FORMATS, render
from recognition.exports.respondents import respondent_table, waves_in_range
from recognition.figures import StatisticsOptions
from recognition.imports.history import import_history, load_mapping
from recognition.imports.mapping import MappingError
from recognition.store import polls
from recognition.store import waves as waves_store


def _suffix_format(path: Path, offered: dict[str, str], given: str | None) -> str:
    fmt = given or path.suffix.lstrip(".").lower()
    if fmt not in offered:
        raise UserError(
            f"--format: {fmt!r} is not one of {', '.join(offered)} (or name --out with one of them)"
        )
    return fmt


def cmd_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = _suffix_format(out, FORMATS, args.format)
    settings = settings_from(args)
    made: list[tuple[RespondentTable, str, int]] = []

    async def work(conn: asyncpg.Connection) -> int:
        poll = await polls.get_poll(conn, args.poll_id)
        if poll is None:
            raise UserError(f"no poll {args.poll_id}")
        chosen = await waves_in_range(conn, poll, args.from_wave, args.to_wave)
        table = await respondent_table(
            conn,
            poll,
            chosen,
            secret=settings.survey_secret,
            floor=settings.statistics_suppress_below,
            now=datetime.now(UTC),
        )
        made.append((table, args.source or poll.name, len(chosen)))
        return 0

    code = with_conn(settings, work)
    table, source, count = made[0]
    out.write_bytes(render(table, fmt))
    print(f"wrote {out}: {table.n} respondents of {count} wave(s), {len(table.variables)} variables")
    if args.mapping:
        mapping = import_mapping(table, source, "sav" if fmt == "sav" else "csv")
        Path(args.mapping).write_text(json.dumps(mapping, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.mapping}: the mapping that imports {out} into another poll")
    return code


def cmd_banner(args: argparse.Namespace) -> int:
    out = Path(args.out)
    fmt = _suffix_format(out, BANNER_FORMATS, args.format)
    settings = settings_from(args)
    made: list[BannerTable] = []

    async def work(conn: asyncpg.Connection) -> int:
        wave = await waves_store.get_wave(conn, args.wave_id)
        if wave is None or wave.state != "published":
            raise UserError(f"wave {args.wave_id} is not a published wave")
        poll = await polls.get_poll(conn, wave.poll_id)
        assert poll is not None
        inp, margins = await wave_banner_input(conn, poll, wave)
        try:
            table = banner_table(
                inp,
                margins,
                StatisticsOptions.from_settings(settings),
                title=f"{poll.name}: wave {wave.id}, {wave.scheduled_at:%Y-%m-%d}",
                brands=poll.brand_ids,
                brand_names={b: poll.brand_name(b) for b in poll.brand_ids},
                groups=args.banner.split(",") if args.banner else None,
                metrics=args.metric or None,
                alpha=args.alpha,
            )
        except ValueError as exc:
            raise UserError(str(exc)) from None
        made.append(table)
        return 0

    code = with_conn(settings, work)
    out.write_bytes(render_banner(made[0], fmt))
    print(f"wrote {out}: {len(made[0].rows)} rows × {len(made[0].columns)} columns")
    return code


def cmd_import(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    mapping = load_mapping(Path(args.mapping))

    async def go() -> int:
        async with database(settings) as pool:
            async with pool.acquire() as conn:
                poll = await polls.get_poll(conn, args.poll_id)
            if poll is None:
                raise UserError(f"no poll {args.poll_id}")
            try:
                report = await import_history(
                    pool, settings, poll, Path(args.data), mapping, dry_run=args.dry_run
                )
            except MappingError as exc:
                for where, message in exc.problems:
                    print(f"{where}: {message}", file=sys.stderr)
                raise UserError(
                    f"{len(exc.problems)} problem(s) in the mapping or the data; nothing was stored"
                ) from None
        verb = "would import" if args.dry_run else "imported"
        print(f"{verb} {len(report.waves)} wave(s) from {report.source} ({report.weighting}):")
        for wave_id, at, n in report.waves:
            print(f"  {at}  {n} respondents" + (f"  wave {wave_id} (published)" if wave_id else ""))
        return 0

    return run(go())


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser(
        "export", parents=[common], help="write a poll's respondent-level data (.sav, .parquet, .csv)"
    )
    p.add_argument("poll_id", type=int, metavar="POLL_ID")
    p.add_argument("--out", required=True, help="the file to write; its suffix names the format")
    p.add_argument("--format", choices=list(FORMATS), help="csv, sav or parquet (default: the --out suffix)")
    p.add_argument("--from-wave", type=int, help="the first wave (default the first published)")
    p.add_argument("--to-wave", type=int, help="the last wave (default the latest published)")
    p.add_argument(
        "--mapping", metavar="FILE", help="also write the mapping that imports the file into a poll"
    )
    p.add_argument("--source", help="the source the mapping names (default the poll's name)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("banner", parents=[common], help="write a wave's banner table (.xlsx or .csv)")
    p.add_argument("wave_id", type=int, metavar="WAVE_ID")
    p.add_argument("--out", required=True, help="the file to write; its suffix names the format")
    p.add_argument("--format", choices=list(BANNER_FORMATS), help="xlsx or csv (default: the --out suffix)")
    p.add_argument("--banner", help="banner variables, comma-separated (default all)")
    p.add_argument("--metric", action="append", help="a metric to show (repeat; default all)")
    p.add_argument(
        "--alpha", type=float, default=0.05, help="significance level of the letters (default 0.05)"
    )
    p.set_defaults(func=cmd_banner)

    p = sub.add_parser(
        "import", parents=[common], help="import a tracker's past waves (CSV or .sav) into a poll"
    )
    p.add_argument("poll_id", type=int, metavar="POLL_ID")
    p.add_argument("data", help="the respondent-level file: .csv or .sav")
    p.add_argument("--mapping", required=True, help="the mapping file (JSON, or TOML with a .toml suffix)")
    p.add_argument("--dry-run", action="store_true", help="check everything, store nothing")
    p.set_defaults(func=cmd_import)
