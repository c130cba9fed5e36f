"""Addresses the service accepts from its users: e-mail addresses for alerts, and network addresses it may
connect to on their behalf or believe about its clients. Pure: no I/O.

**E-mail.** :func:`email_problem` accepts a plain ``local@domain`` address (as an alert recipient or the SMTP
sender) and refuses anything that could change the message it is written into: CR, LF or any other control
character, spaces, commas, angle brackets, quotes and semicolons (a second recipient or a header), or more than
254 characters (RFC 5321's limit).

**Network.** An address is *public* when it is globally routable unicast: loopback (127/8, ::1), private
(10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10, where cloud metadata services
answer), shared (100.64/10), documentation, benchmarking, reserved, unspecified and multicast addresses are not.
IPv4 addresses carried inside IPv6 (``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged
as the IPv4 address they carry. See Python's :mod:`ipaddress` and the IANA special-purpose address registries
(RFC 6890).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: The longest address SMTP carries (RFC 5321, 4.5.3.1.3: a path of 256 octets including the angle brackets).
MAX_EMAIL = 254
_NOT_IN_EMAIL = frozenset(" ,;<>\"'()[]\\")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: Special-purpose blocks that older Pythons' ``is_global`` still calls global (IETF protocol assignments).
_ALSO_NOT_PUBLIC = (ipaddress.IPv4Network("192.0.0.0/24"), ipaddress.IPv6Network("2001::/23"))


def email_problem(text: str) -> str | None:
    """Why ``text`` is not an acceptable e-mail address, or None when it is."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "must not contain line breaks or other control characters"
    if len(text) > MAX_EMAIL:
        return f"takes at most {MAX_EMAIL} characters"
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or "@" in local:
        return "must be one address of the form name@example.org"
    if any(ch in _NOT_IN_EMAIL for ch in text):
        return "must be a single plain address (no spaces, commas, quotes or angle brackets)"
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return "has a malformed domain"
    return None


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Networks from ``10.0.0.0/8``-style text (a bare address is a network of one); ValueError names the bad one."""
    out = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            out.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"{text!r} is not an IP address or network such as 10.0.0.0/8") from None
    return tuple(out)


def parse_ip(text: str) -> IPAddress | None:
    """The IP address ``text`` spells (an IPv6 zone such as ``%eth0`` allowed), or None when it is a host name."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def _carried(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), else the address itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def is_public(ip: IPAddress) -> bool:
    """True for a globally routable unicast address (see the module docstring)."""
    ip = _carried(ip)
    special = any(ip.version == n.version and ip in n for n in _ALSO_NOT_PUBLIC)
    return ip.is_global and not ip.is_multicast and not ip.is_unspecified and not special


def in_networks(ip: IPAddress, networks: Iterable[Network]) -> bool:
    ip = _carried(ip)
    return any(ip.version == n.version and ip in n for n in networks)


def may_connect(ip: IPAddress, allow: Iterable[Network] = ()) -> bool:
    """Whether the service may connect to ``ip`` for a user: public, or inside a network the operator allowed."""
    return is_public(ip) or in_networks(ip, allow)
