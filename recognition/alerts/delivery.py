"""Delivering alert messages: signed webhooks and e-mail over SMTP, with retries, backoff and a delivery log.

**Webhook signature.** Each POST carries ``Recognition-Event-Id`` (the message id: receivers drop an id they have
seen), ``Recognition-Timestamp`` (Unix seconds) and ``Recognition-Signature: v1=<hex>`` where ``hex`` is
HMAC-SHA256 under the poll's webhook secret of ``"<timestamp>.<body>"`` (the raw body bytes). Receivers check it
with :func:`verify_signature`, rejecting old timestamps to stop replays.

**Where webhooks go.** Only to public addresses (and networks in ``alerts.webhook_allow``), checked on every send
by resolving the host and connecting only to the checked addresses; redirects are not followed
(:mod:`recognition.alerts.targets`).

**Retries.** A message is tried up to ``alerts.max_attempts`` times, waiting ``alerts.retry_backoff × 2^(k−1)``
seconds after the k-th failure; any 2xx answer is success, anything else (status, timeout, refused connection) a
failure. A target that can never succeed (an address that is not allowed, an e-mail address with a line break)
fails at once, without retries. Every attempt is logged; the same message id is sent each time, so a receiver
that got it but answered late sees a duplicate it can drop. A message that ran out of attempts is marked
``failed``.

**The delivery log** (readable by viewers) says what happened in a few fixed words ("HTTP 503", "could not
connect", "timed out", "not an allowed address"), never an exception's text: it must not tell a reader anything
about the network the service runs in. The service's own log keeps the details for the operator.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiohttp
import asyncpg

from recognition.addresses import email_problem
from recognition.alerts.targets import GuardedResolver, RefusedAddress, url_problem
from recognition.settings import Settings
from recognition.store import alerts as alerts_store
from recognition.store.alerts import Delivery

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "Recognition-Signature"
TIMESTAMP_HEADER = "Recognition-Timestamp"
EVENT_ID_HEADER = "Recognition-Event-Id"
Sleep = Callable[[float], Awaitable[None]]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify_signature(
    secret: str,
    headers: dict[str, str] | object,
    body: bytes,
    *,
    tolerance: float = 300.0,
    now: float | None = None,
) -> bool:
    """True when the headers carry a valid signature of ``body`` made within ``tolerance`` seconds."""
    get = getattr(headers, "get")  # noqa: B009 - a mapping or aiohttp's CIMultiDict
    try:
        timestamp = int(get(TIMESTAMP_HEADER, ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), str(get(SIGNATURE_HEADER, "")))


@dataclass(frozen=True)
class Attempt:
    """One try: ``error`` is what the delivery log shows (fixed words); ``detail`` only goes to the service's own
    log; ``final`` means trying again cannot help."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    detail: str = ""
    final: bool = False


REFUSED = "not an allowed address for alert webhooks"


def _failure(exc: BaseException) -> Attempt:
    detail = f"{type(exc).__name__}: {exc}"[:500]
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, RefusedAddress):
        return Attempt(False, None, REFUSED, detail, final=True)
    if isinstance(exc, TimeoutError):
        return Attempt(False, None, "timed out", detail)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Attempt(False, None, "could not connect", detail)
    return Attempt(False, None, "the request failed", detail)


def webhook_session(settings: Settings) -> aiohttp.ClientSession:
    """The session alert webhooks are sent with: guarded DNS, no DNS cache, no proxy from the environment."""
    connector = aiohttp.TCPConnector(
        resolver=GuardedResolver(settings.alerts_webhook_allow), use_dns_cache=False
    )
    return aiohttp.ClientSession(connector=connector, trust_env=False)


async def send_webhook(
    session: aiohttp.ClientSession,
    url: str,
    secret: str,
    message_id: str,
    body: bytes,
    *,
    settings: Settings | None = None,
    timeout: float = 10.0,
) -> Attempt:
    """POST one signed message. Use a :func:`webhook_session`: its resolver refuses addresses that are not
    allowed; literal addresses are checked here."""
    problem = url_problem(url, settings.alerts_webhook_allow if settings else ())
    if problem:
        return Attempt(False, None, REFUSED, f"{url}: {problem}", final=True)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        "User-Agent": "recognition-alerts/1",
    }
    try:
        async with session.post(
            url,
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
            allow_redirects=False,
        ) as resp:
            status = resp.status  # the body is not read: a receiver's answer is its status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return _failure(exc)
    if 200 <= status < 300:
        return Attempt(True, status)
    if 300 <= status < 400:
        return Attempt(False, status, f"HTTP {status}: redirects are not followed")
    return Attempt(False, status, f"HTTP {status}")


def email_message(settings: Settings, to: str, message_id: str, body: dict[str, object]) -> EmailMessage:
    events = body.get("events")
    if not isinstance(events, list):
        events = []
    lines = [str(e.get("text", e.get("type"))) for e in events if isinstance(e, dict)]
    poll_name = str(body.get("poll_name", f"poll {body.get('poll_id')}"))
    subject = (
        f"[recognition] {poll_name}: {len(lines)} alerts"
        if len(lines) != 1
        else f"[recognition] {poll_name}: {lines[0]}"
    )
    msg = EmailMessage()
    msg["From"] = settings.smtp_sender
    msg["To"] = to
    msg["Subject"] = _one_line(subject)[:200]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{message_id}@recognition>"
    msg["X-Recognition-Event-Id"] = message_id
    text = "\n".join(f"- {line}" for line in lines)
    msg.set_content(
        f"{poll_name}, wave of {body.get('wave_scheduled_at', '')}:\n\n{text}\n\nEvent id: {message_id}\n"
    )
    return msg


def _one_line(text: str) -> str:
    """``text`` with line breaks and other control characters turned into spaces (a header is one line)."""
    return "".join(" " if ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)


def _smtp_send(settings: Settings, msg: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(msg)


async def send_email(settings: Settings, to: str, message_id: str, body: dict[str, object]) -> Attempt:
    if not settings.smtp_host:
        return Attempt(False, None, "no SMTP server configured (smtp.host)")
    problem = email_problem(to) or email_problem(settings.smtp_sender)
    if problem:
        return Attempt(False, None, "not a valid e-mail address", problem, final=True)
    try:
        msg = email_message(settings, to, message_id, body)
    except ValueError as exc:  # a header the e-mail library refuses
        return Attempt(False, None, "the message could not be written", str(exc)[:500], final=True)
    try:
        await asyncio.get_running_loop().run_in_executor(None, _smtp_send, settings, msg)
    except smtplib.SMTPException as exc:
        return Attempt(
            False, None, "the SMTP server refused the message", f"{type(exc).__name__}: {exc}"[:500]
        )
    except OSError as exc:
        return Attempt(False, None, "could not reach the SMTP server", f"{type(exc).__name__}: {exc}"[:500])
    return Attempt(True)


async def _deliver_one(
    pool: asyncpg.Pool, settings: Settings, session: aiohttp.ClientSession, d: Delivery, sleep: Sleep
) -> bool:
    secret = ""
    if d.channel == "webhook":
        async with pool.acquire() as conn:
            secret = (await alerts_store.get_settings(conn, d.poll_id)).webhook_secret
    raw = json.dumps(d.body, sort_keys=True).encode()
    attempt_no = d.attempts
    for k in range(d.attempts, settings.alerts_max_attempts):
        if k > 0:
            await sleep(settings.alerts_retry_backoff * 2 ** max(0, k - 1))
        attempt_no = k + 1
        if d.channel == "webhook":
            result = await send_webhook(session, d.target, secret, d.message_id, raw, settings=settings)
        else:
            result = await send_email(settings, d.target, d.message_id, d.body)
        async with pool.acquire() as conn:
            await alerts_store.log_attempt(
                conn, d.id, attempt_no, ok=result.ok, status_code=result.status_code, error=result.error
            )
        if result.ok:
            async with pool.acquire() as conn:
                await alerts_store.finish(conn, d.id, delivered=True)
            return True
        log.warning(
            "alert %s to %s %s: attempt %d failed: %s (%s)",
            d.message_id,
            d.channel,
            d.target,
            attempt_no,
            result.error,
            result.detail,
        )
        if result.final:
            break
    async with pool.acquire() as conn:
        await alerts_store.finish(conn, d.id, delivered=False)
    return False


async def deliver_pending(
    pool: asyncpg.Pool, settings: Settings, *, poll_id: int | None = None, sleep: Sleep = asyncio.sleep
) -> tuple[int, int]:
    """Send every queued message (claimed first); returns (delivered, failed)."""
    async with pool.acquire() as conn:
        claimed = await alerts_store.claim_pending(conn, poll_id)
    if not claimed:
        return (0, 0)
    delivered = failed = 0
    async with webhook_session(settings) as session:
        for d in claimed:
            if await _deliver_one(pool, settings, session, d, sleep):
                delivered += 1
            else:
                failed += 1
    return delivered, failed
