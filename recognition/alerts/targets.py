"""Where alert webhooks may go: public addresses only, checked when the URL is saved and again on every send.

An editor sets a poll's webhook URL; the service then POSTs to it. Unchecked, that lets an editor make the
service reach what only it can reach (a cloud metadata service at 169.254.169.254, a database port on loopback,
hosts on the internal network) and read the answers' status codes from the delivery log. So:

* **When saved** (:func:`webhook_problem`): the URL must be ``http(s)`` without credentials; a literal address
  must be public, and a host name must not resolve to any address that is not
  (:func:`recognition.addresses.may_connect`). A name that does not resolve yet is accepted: the send-time check
  guards it.
* **When sent** (:class:`GuardedResolver`): DNS can change between save and send (or between two lookups), so the
  sending session resolves each host itself, drops every address that is not allowed and connects only to the
  addresses it checked; when none is left the attempt fails as refused, without a connection. Literal addresses
  are checked before the request (:func:`url_problem`). Redirects are not followed, and proxies from the
  environment are not used.

Networks in ``alerts.webhook_allow`` are allowed besides public addresses, for receivers on the premises.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from aiohttp import ThreadedResolver
from aiohttp.abc import AbstractResolver, ResolveResult

from recognition.addresses import Network, may_connect, parse_ip

#: Seconds a save waits for DNS before accepting the name as it is (sending checks again).
SAVE_LOOKUP_SECONDS = 3.0
NOT_ALLOWED = "resolves to an address that is not public (private, loopback, link-local or reserved)"


class RefusedAddress(OSError):
    """Every address of a webhook's host is one the service may not connect to."""


def url_problem(url: str, allow: Sequence[Network] = ()) -> str | None:
    """What is wrong with ``url`` as a webhook target without looking anything up, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL or empty"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password (the webhook secret signs each message)"
    ip = parse_ip(parts.hostname)
    if ip is not None and not may_connect(ip, allow):
        return "is an address that is not public (private, loopback, link-local or reserved)"
    return None


async def webhook_problem(url: str, allow: Sequence[Network] = ()) -> str | None:
    """What is wrong with ``url`` as a webhook target, resolving its host name; None when it may be saved."""
    problem = url_problem(url, allow)
    if problem or parse_ip(urlsplit(url).hostname or "") is not None:
        return problem
    host = urlsplit(url).hostname or ""
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM), SAVE_LOOKUP_SECONDS
        )
    except (OSError, TimeoutError, UnicodeError):
        return None  # not resolvable now: checked again when sending
    for info in infos:
        ip = parse_ip(str(info[4][0]))
        if ip is None or not may_connect(ip, allow):
            return NOT_ALLOWED
    return None


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that keeps only the addresses the service may connect to (see the module docstring).

    The connector connects to exactly the addresses returned here, so the check and the connection see the same
    lookup; TLS still verifies the certificate against the host name."""

    def __init__(self, allow: Sequence[Network] = ()) -> None:
        self.allow = tuple(allow)
        self._resolver = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        kept = []
        for result in found:
            ip = parse_ip(result["host"])
            if ip is not None and may_connect(ip, self.allow):
                kept.append(result)
        if not kept:
            raise RefusedAddress(f"{host} has no address alert webhooks may reach")
        return kept

    async def close(self) -> None:
        await self._resolver.close()
