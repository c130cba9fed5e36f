"""The ``recognition`` command.

Each sub-command lives in a module of :mod:`recognition.commands` that exposes ``register(subparsers, common)``:
it adds its parser (with ``parents=[common]`` so every command takes ``--data-dir``) and sets ``func`` to a callable
``func(args) -> int``. Errors meant for the user are raised as :class:`recognition.errors.UserError` and printed as
one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from recognition.errors import UserError

COMMAND_MODULES = (
    "recognition.commands.service",  # serve, migrate, demo
    "recognition.commands.stats",  # weight, estimate, compare, simulate, price-check
    "recognition.commands.coding",  # code
    "recognition.commands.schedule",  # schedule preview
    "recognition.commands.panel",  # panel-sim
    "recognition.commands.reports",  # share, alerts, objective, insight
    "recognition.commands.data",  # export, banner, import
    "recognition.commands.significance",  # simulate-changes
    "recognition.commands.providers",  # providers list, set, remove
    "recognition.commands.testruns",  # test-link
    "recognition.commands.staff",  # staff-link
)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where the embedded database, the secret and other state live (default: the user data dir; "
        "env RECOGNITION_DATA_DIR)",
    )
    common.add_argument("--config", metavar="FILE", help="a TOML file of settings read over the defaults")
    parser = argparse.ArgumentParser(
        prog="recognition",
        description="Brand awareness and image tracking: fieldwork, weighting, estimates and trends.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (
                name == exc.name or name.startswith(exc.name + ".")
            ):  # a command module not present in this build
                continue
            raise
        module.register(sub, common)
    return parser


#: Exit status when the reader of the output went away (``... --json | head``): 128 + SIGPIPE, as a shell shows.
EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at interpreter exit
    except UserError as exc:
        print(f"recognition: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader stopped reading: nothing is wrong. Point stdout at /dev/null so the final flush at exit
        # cannot raise again (the recipe of the Python docs, "Note on SIGPIPE").
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE
    return code


if __name__ == "__main__":
    sys.exit(main())
