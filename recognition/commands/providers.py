"""``recognition providers``: list the panel providers and set or remove an organisation's own credentials.

Secret fields are read from the terminal without echo (or from standard input when it is not a terminal), never
from the command line, so they stay out of shell history and process lists.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from panels.registry import KINDS, ProviderConfig, ProviderRegistry
from recognition import providers
from recognition.commands.common import run, settings_from
from recognition.db import database
from recognition.errors import UserError
from recognition.store import orgs


def cmd_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> int:
        async with database(settings) as pool:
            async with pool.acquire() as conn:
                org_id = await orgs.organisation_id(conn, args.org)
            own = {c.provider: c for c in await providers.listed(pool, org_id)}
        config = ProviderConfig.from_settings(settings)
        for kind in KINDS.values():
            saved = own.get(kind.name)
            if saved is not None:
                shown = ", ".join(f"{k}={v}" for k, v in saved.shown.items() if v)
                state = f"own credentials ({shown}; checked {saved.checked_at:%Y-%m-%d %H:%M})"
            elif kind.name == "simulated" or config.instance_values(kind.name) is not None:
                state = "the instance's account"
            else:
                state = "not set up"
            fields = ", ".join(f.name + ("*" if f.secret else "") for f in kind.fields)
            print(f"{kind.name:<13} {state}\n{'':<13} fields: {fields}  (* secret)")
        return 0

    return run(go())


def _values(args: argparse.Namespace) -> dict[str, str]:
    kind = providers.kind_of(args.provider)
    values: dict[str, str] = {}
    for item in args.field or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise UserError(
                f"--field {item!r}: write it as NAME=VALUE (secret fields are asked for, not given here)"
            )
        spec = next((f for f in kind.fields if f.name == name), None)
        if spec is not None and spec.secret:
            raise UserError(f"--field {name}: {name} is secret; leave it out and type it when asked")
        values[name] = value
    for spec in kind.fields:
        if spec.secret and spec.name not in values:
            prompt = f"{kind.title} {spec.name} ({spec.description}){' [optional]' if spec.default is not None else ''}: "
            secret = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
            if secret:
                values[spec.name] = secret
    return values


def cmd_set(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    values = _values(args)

    async def go() -> int:
        registry = ProviderRegistry(ProviderConfig.from_settings(settings))
        try:
            async with database(settings) as pool:
                async with pool.acquire() as conn:
                    org_id = await orgs.organisation_id(conn, args.org)
                saved = await providers.save(
                    pool, settings.survey_secret, registry, org_id, args.provider, values
                )
        finally:
            await registry.aclose()
        shown = ", ".join(f"{k}={v}" for k, v in saved.shown.items() if v)
        print(f"{args.provider} credentials of {args.org!r} checked and saved ({shown})")
        return 0

    return run(go())


def cmd_remove(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> int:
        async with database(settings) as pool:
            async with pool.acquire() as conn:
                org_id = await orgs.organisation_id(conn, args.org)
            if not await providers.remove(pool, org_id, args.provider):
                raise UserError(f"organisation {args.org!r} has no {args.provider} credentials")
        print(f"{args.provider} credentials of {args.org!r} removed")
        return 0

    return run(go())


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser(
        "providers", help="panel providers and an organisation's credentials"
    ).add_subparsers(dest="action", metavar="ACTION", required=True)
    p = group.add_parser("list", parents=[common], help="the providers and which credentials each uses")
    p.add_argument("--org", required=True, help="organisation name")
    p.set_defaults(func=cmd_list)
    p = group.add_parser(
        "set",
        parents=[common],
        help="check an organisation's credentials with the provider and save them (secrets are asked for)",
    )
    p.add_argument("--org", required=True, help="organisation name")
    p.add_argument("provider", choices=sorted(KINDS), help="the provider")
    p.add_argument(
        "--field", action="append", metavar="NAME=VALUE", help="a public field (e.g. api_url=...); repeatable"
    )
    p.set_defaults(func=cmd_set)
    p = group.add_parser(
        "remove", parents=[common], help="remove an organisation's credentials for a provider"
    )
    p.add_argument("--org", required=True, help="organisation name")
    p.add_argument("provider", choices=sorted(KINDS), help="the provider")
    p.set_defaults(func=cmd_remove)
