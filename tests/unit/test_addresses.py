"""Which addresses the service may connect to for a user, and which e-mail addresses it accepts.

The network cases are the special-purpose blocks of the IANA IPv4 and IPv6 Special-Purpose Address Registries
(RFC 6890 and its updates), each marked "Globally Reachable: False" there, plus the cloud metadata endpoints
(AWS/GCP/Azure 169.254.169.254, AWS IPv6 fd00:ec2::254, Alibaba 100.100.100.200) and IPv4 carried in IPv6
(RFC 4291 mapped addresses, RFC 6052 NAT64, RFC 3056 6to4)."""

from __future__ import annotations

import pytest

from recognition.addresses import email_problem, may_connect, parse_ip, parse_networks
from recognition.alerts.targets import url_problem

NOT_PUBLIC = [
    "0.0.0.0",  # "this network" (RFC 791)
    "10.1.2.3",  # private (RFC 1918)
    "100.64.0.1",  # shared address space (RFC 6598)
    "100.100.100.200",  # Alibaba Cloud metadata, inside 100.64/10
    "127.0.0.1",  # loopback (RFC 1122)
    "127.8.9.10",
    "169.254.169.254",  # link-local (RFC 3927): the AWS, GCP and Azure metadata service
    "172.16.0.1",  # private
    "172.31.255.254",
    "192.0.0.8",  # IETF protocol assignments (RFC 6890)
    "192.0.2.1",  # TEST-NET-1 (RFC 5737)
    "192.168.1.1",  # private
    "198.18.0.1",  # benchmarking (RFC 2544)
    "198.51.100.7",  # TEST-NET-2
    "203.0.113.9",  # TEST-NET-3
    "224.0.0.1",  # multicast (RFC 5771)
    "240.0.0.1",  # reserved (RFC 1112)
    "255.255.255.255",  # limited broadcast (RFC 919)
    "::",  # unspecified (RFC 4291)
    "::1",  # loopback
    "::ffff:127.0.0.1",  # IPv4-mapped loopback (RFC 4291)
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (RFC 6052)
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1 (RFC 3056)
    "2001:db8::1",  # documentation (RFC 3849)
    "fc00::1",  # unique local (RFC 4193)
    "fd00:ec2::254",  # AWS metadata over IPv6
    "fe80::1",  # link-local
    "fe80::1%eth0",
    "ff02::1",  # multicast
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2606:4700::1111"]


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_special_purpose_addresses_are_refused(text: str) -> None:
    ip = parse_ip(text)
    assert ip is not None and not may_connect(ip)


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_allowed(text: str) -> None:
    ip = parse_ip(text)
    assert ip is not None and may_connect(ip)


def test_the_allow_list_opens_only_the_networks_it_names() -> None:
    allow = parse_networks(["10.20.0.0/16", "127.0.0.1"])
    assert may_connect(parse_ip("10.20.3.4"), allow)  # type: ignore[arg-type]
    assert may_connect(parse_ip("127.0.0.1"), allow)  # type: ignore[arg-type]
    assert may_connect(parse_ip("::ffff:127.0.0.1"), allow)  # type: ignore[arg-type]
    assert not may_connect(parse_ip("127.0.0.2"), allow)  # type: ignore[arg-type]
    assert not may_connect(parse_ip("10.21.0.1"), allow)  # type: ignore[arg-type]
    assert not may_connect(parse_ip("169.254.169.254"), allow)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'10.0.0.0/33'"):
        parse_networks(["10.0.0.0/33"])


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://169.254.169.254/latest/meta-data/", "not public"),
        ("http://127.0.0.1:5432/", "not public"),
        ("http://[::1]:6379/", "not public"),
        ("http://[::ffff:7f00:1]/", "not public"),
        ("https://user:pass@hooks.example.org/x", "user name or password"),
        ("ftp://hooks.example.org/x", "http(s)"),
        ("http:///x", "http(s)"),
        ("http://hooks.example.org:99999/x", "not a valid URL"),
        ("https://hooks.example.org/x", None),
        ("https://8.8.8.8/x", None),
    ],
)
def test_webhook_urls_are_judged_before_any_lookup(url: str, problem: str | None) -> None:
    found = url_problem(url)
    assert (found is None) if problem is None else (found is not None and problem in found), found


@pytest.mark.parametrize(
    "address",
    [
        "brand-team@example.org\r\nBcc: everyone@example.org",
        "brand-team@example.org\nBcc: x@example.org",
        "a@example.org\x00",
        "a@example.org, b@example.org",
        "A <a@example.org>",
        "no-at-sign.example.org",
        "@example.org",
        "a@",
        "a@b@example.org",
        "a@example..org",
        "a@" + "x" * 250 + ".org",
    ],
)
def test_email_addresses_that_could_change_the_message_are_refused(address: str) -> None:
    assert email_problem(address) is not None


@pytest.mark.parametrize("address", ["brand-team@example.org", "a.b+alerts@sub.example.co.uk", "x@localhost"])
def test_plain_email_addresses_are_accepted(address: str) -> None:
    assert email_problem(address) is None
