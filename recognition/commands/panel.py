"""``recognition panel-sim``: run the simulated panel provider as a standalone API on loopback."""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import sys

from panels.simulated.faults import PROFILES
from panels.simulated.server import running_simulator
from recognition.errors import UserError


def cmd_panel_sim(args: argparse.Namespace) -> int:
    if args.rate <= 0:
        raise UserError("--rate must be positive")
    if args.time_scale <= 0:
        raise UserError("--time-scale must be positive")

    async def go() -> int:
        try:
            async with running_simulator(
                PROFILES[args.faults],
                rate=args.rate,
                seed=args.seed,
                host=args.host,
                port=args.port,
                webhook_secret=args.webhook_secret
                or os.environ.get("RECOGNITION_PANELS_SIMULATOR_WEBHOOK_SECRET", ""),
                time_scale=args.time_scale,
            ) as sim:
                print(
                    f"simulated panel provider on {sim.url} (faults: {args.faults}; Ctrl-C to stop)",
                    flush=True,
                )
                await (_stdin_closed() if args.until_stdin_closes else asyncio.Event().wait())
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserError(f"port {args.port} on {args.host} is already in use") from None
            raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        return 0

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0


async def _stdin_closed() -> None:
    """Return once standard input reaches its end: the process that started the simulator with a pipe as its
    input has ended (even killed), so the simulator does not outlive it."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.read(4096):
        pass


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "panel-sim",
        parents=[common],
        help="run the simulated panel provider API (projects, quotas, respondents, faults)",
    )
    p.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8090, help="listen port (default 8090; 0 = any free port)")
    p.add_argument(
        "--faults", choices=["none", "light", "heavy"], default="none", help="fault injection profile"
    )
    p.add_argument(
        "--rate",
        type=float,
        default=2000.0,
        help="respondents arriving per second of fielding, per project (default 2000)",
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the fault injection (default 7)")
    p.add_argument(
        "--webhook-secret",
        default="",
        help="sign webhooks with this secret and send them to each project's webhook_url "
        "(default: RECOGNITION_PANELS_SIMULATOR_WEBHOOK_SECRET; empty = no webhooks)",
    )
    p.add_argument(
        "--time-scale",
        type=float,
        default=0.005,
        help="wall-clock seconds per simulated second of think time in the hosted survey (default 0.005)",
    )
    p.add_argument(
        "--until-stdin-closes",
        action="store_true",
        help="stop when standard input closes (for a parent process that starts the simulator with a pipe)",
    )
    p.set_defaults(func=cmd_panel_sim)
