"""The dashboard's defences over real HTTP on a real database (a tracker written through the store): text given
to the chart renderer is escaped, sign-in redirects only to dashboard paths, every form needs its CSRF token and
a same-origin post, cookies are SameSite and Secure (behind a trusted TLS proxy too), signing out ends the session
on the server, share links can be listed and withdrawn and die with their poll's archiving, and every page is
sent with its security headers. Each check fails without its fix."""

from __future__ import annotations

import dataclasses
import io

import asyncpg
import pypdf
import pytest
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import orgs
from recognition.store import polls as polls_store
from recognition.web.dashboard.access import LOGIN_COOKIE, SESSION_COOKIE, SHARE_COOKIE
from tests.integration.dashboard_support import csrf_of, sign_in
from tests.integration.links import make_link
from tests.integration.tracker_world import Tracker, make_tracker

EVIL = "$x$ \\frac{1}{0} <b>&amp; Co"  # mathtext, markup and an entity: all must reach the page as text


@pytest.fixture
async def tracker(pool: asyncpg.Pool) -> Tracker:
    return await make_tracker(pool, waves=3, brands=4, names={1: EVIL})


async def _key(pool: asyncpg.Pool, tracker: Tracker, role: str) -> str:
    async with pool.acquire() as conn:
        return (await orgs.create_key(conn, tracker.org_id, role))[0]


async def test_a_brand_name_with_markup_and_dollars_renders_as_text(
    client: TestClient, tracker: Tracker, pool: asyncpg.Pool
) -> None:
    assert (await sign_in(client, await _key(pool, tracker, "viewer"))).status == 303
    for path in ("", "/summary", f"?metric=consider&segment={'age%3D18-24'}", "/summary.pdf"):
        resp = await client.get(f"/dashboard/polls/{tracker.poll_id}{path}")
        assert resp.status == 200, path
    html = await (await client.get(f"/dashboard/polls/{tracker.poll_id}")).text()
    assert "$x$ \\frac{1}{0} &lt;b&gt;&amp;amp; Co" in html and "<b>&amp; Co" not in html


async def test_sign_in_never_redirects_off_site(
    client: TestClient, tracker: Tracker, pool: asyncpg.Pool
) -> None:
    key = await _key(pool, tracker, "viewer")
    for target in ("/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/"):
        resp = await sign_in(client, key, target)
        assert resp.status == 303 and resp.headers["Location"] == "/dashboard", target
    resp = await sign_in(client, key, f"/dashboard/polls/{tracker.poll_id}?segment=all")
    assert resp.headers["Location"] == f"/dashboard/polls/{tracker.poll_id}?segment=all"
    form = await client.get("/dashboard/login?next=/%09/evil.example")
    assert 'name="next" value="/dashboard"' in await form.text()


async def test_forms_need_their_token_and_the_same_origin(
    client: TestClient, tracker: Tracker, pool: asyncpg.Pool
) -> None:
    key = await _key(pool, tracker, "editor")
    await client.get("/dashboard/login")  # sets the sign-in form's cookie
    no_token = await client.post("/dashboard/login", data={"api_key": key}, allow_redirects=False)
    assert no_token.status == 403
    other_site = await sign_in(client, key, Origin="https://evil.example")
    assert other_site.status == 403
    assert (await sign_in(client, key, Origin=str(client.make_url("")).rstrip("/"))).status == 303
    page = await client.get(f"/dashboard/polls/{tracker.poll_id}")
    token = csrf_of(await page.text())
    url = f"/dashboard/polls/{tracker.poll_id}/shares"
    assert (await client.post(url, data={"days": "3"}, allow_redirects=False)).status == 403
    forged = await client.post(
        url, data={"days": "3", "csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status == 403
    assert (await client.post("/dashboard/logout", allow_redirects=False)).status == 403
    assert (await client.get(f"/dashboard/polls/{tracker.poll_id}", allow_redirects=False)).status == 200


async def test_cookies_are_samesite_and_secure_behind_a_trusted_proxy(
    settings: Settings, pool: asyncpg.Pool, tracker: Tracker
) -> None:
    key = await _key(pool, tracker, "viewer")
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tracker.example.org"}
    for trust, secure in ((False, False), (True, True)):
        app = create_app(dataclasses.replace(settings, server_trust_forwarded=trust), pool=pool)
        async with TestClient(TestServer(app)) as c:
            form = await c.get("/dashboard/login", headers=proxy)
            login = form.cookies[LOGIN_COOKIE]
            assert login["samesite"] == "Lax" and login["httponly"] and bool(login["secure"]) is secure
            resp = await c.post(
                "/dashboard/login",
                data={"api_key": key, "csrf": csrf_of(await form.text())},
                headers={**proxy, "Origin": "https://tracker.example.org"},
                cookies={LOGIN_COOKIE: login.value},  # a Secure cookie is not sent over the test's plain http
                allow_redirects=False,
            )
            if not trust:  # without trust the forwarded origin is another site's
                assert resp.status == 403
                continue
            cookie = resp.cookies[SESSION_COOKIE]
            assert (
                resp.status == 303 and cookie["samesite"] == "Lax" and cookie["secure"] and cookie["httponly"]
            )


async def test_signing_out_ends_the_session_on_the_server(
    client: TestClient, tracker: Tracker, pool: asyncpg.Pool
) -> None:
    resp = await sign_in(client, await _key(pool, tracker, "viewer"))
    sid = resp.cookies[SESSION_COOKIE].value
    page = await client.get("/dashboard")
    out = await client.post(
        "/dashboard/logout", data={"csrf": csrf_of(await page.text())}, allow_redirects=False
    )
    assert out.status == 303
    client.session.cookie_jar.clear()
    replay = await client.get("/dashboard", cookies={SESSION_COOKIE: sid}, allow_redirects=False)
    assert replay.status == 302 and replay.headers["Location"].startswith("/dashboard/login")


async def test_share_links_are_listed_withdrawn_and_end_with_the_poll(
    client: TestClient, tracker: Tracker, pool: asyncpg.Pool, settings: Settings
) -> None:
    await sign_in(client, await _key(pool, tracker, "editor"))
    page = await client.get(f"/dashboard/polls/{tracker.poll_id}")
    made = await client.post(
        f"/dashboard/polls/{tracker.poll_id}/shares",
        data={"days": "5", "label": "board pack", "csrf": csrf_of(await page.text())},
    )
    html = await made.text()
    assert made.status == 200 and "board pack" in html and "/share/" in html
    link = html.split('<code class="link">')[1].split("<")[0]
    token = link.rsplit("/", 1)[1]
    reader = TestClient(TestServer(create_app(settings, pool=pool)))
    async with reader:
        shared = await reader.get(f"/share/{token}")
        text = await shared.text()
        assert shared.status == 200 and str(shared.url).endswith(f"/shared/{tracker.poll_id}")
        assert token not in text and 'class="brand" href="/shared/' in text  # the logo stays on the poll
        assert "Sign out" not in text and "Share links" not in text
        assert reader.session.cookie_jar.filter_cookies(shared.url)[SHARE_COOKIE].value == token
        revoke_id = html.split("/shares/")[1].split("/revoke")[0]
        listing = await client.get(f"/dashboard/polls/{tracker.poll_id}")
        revoked = await client.post(
            f"/dashboard/polls/{tracker.poll_id}/shares/{revoke_id}/revoke",
            data={"csrf": csrf_of(await listing.text())},
            allow_redirects=False,
        )
        assert revoked.status == 303
        assert (await reader.get(f"/shared/{tracker.poll_id}")).status == 403
        assert (await reader.get(f"/share/{token}")).status == 403
        assert "board pack" not in await (await client.get(f"/dashboard/polls/{tracker.poll_id}")).text()
        other = await make_link(pool, settings, tracker.poll_id)
        assert (await reader.get(f"/share/{other}")).status == 200
        async with pool.acquire() as conn:
            await polls_store.archive_poll(conn, tracker.poll_id)
        assert (await reader.get(f"/shared/{tracker.poll_id}")).status == 403
        assert (await reader.get(f"/share/{other}")).status == 403


async def test_pages_send_security_headers(
    client: TestClient, tracker: Tracker, pool: asyncpg.Pool, settings: Settings
) -> None:
    token = await make_link(pool, settings, tracker.poll_id)
    await sign_in(client, await _key(pool, tracker, "viewer"))
    for path in ("/dashboard/login", "/dashboard", f"/dashboard/polls/{tracker.poll_id}", f"/share/{token}"):
        resp = await client.get(path)
        assert resp.status == 200, path
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "default-src 'none'" in csp
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert resp.headers["Cache-Control"] == "no-store"
        html = await resp.text()
        assert "<script>" not in html and " style=" not in html  # nothing inline for the policy to block
    missing = await client.get("/dashboard/polls/999999")
    assert missing.status == 404 and missing.headers["Cache-Control"] == "no-store"
    # the PDF of the shared summary: charts in it, no share token anywhere
    pdf = await client.get(f"/shared/{tracker.poll_id}/summary.pdf")
    data = await pdf.read()
    assert pdf.status == 200 and pdf.content_type == "application/pdf" and token.encode() not in data
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "awareness to preference" in text and "by brand" in text and token not in text
