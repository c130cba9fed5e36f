"""Test runs: the links a researcher opens to try a wave's survey as a respondent would, without counting.

Two links, when the wave's survey exists (its fieldwork has created the project at the provider):

- **the service's own test link**, for every provider: the wave's entry link signed by the service with the wave's
  link secret (:mod:`panels.links`), plus ``test=1``::

      {base}/survey/{wave_id}/start?pid=tester-{random}&exp={unix seconds}&sig={hex}&test=1

  Only ids starting ``tester-`` are admitted as tests (a respondent's live link with ``test=1`` added is
  refused). The survey admits it whatever the wave's state, stores the person as a *test* respondent (``respondents.test``),
  never tells the provider an outcome and ends on its own page. Test respondents count towards no target and
  enter no estimate, progress or quota (every store query of completes reads ``NOT test``). The link holds for
  :data:`TEST_LINK_LIFETIME`; each request makes a new tester, so one link is one test respondent.
- **the provider's own test mode**, where it has one (:meth:`panels.base.Provider.test_link`), which sends a
  tester through the provider's own screens to the wave's test URL; the provider admits them as a test
  (``Arrival.test``), and they are stored and kept out of every count like the service's testers, and never
  billed. PureSpectrum gives its ``test_ps_survey_entry_link``. Cint runs a test of the wave's target group
  through its *test supplier* (supplier 980), whose completes Cint never bills: the adapter opens the launched
  target group to it with the Target Group Allocations API (``PUT …/allocation-specification``, a private-exchange
  group for supplier 980, everything else as it was) and hands over the test link Cint gives for the target group
  (``links.test_screener``), which ends at the target group's ``test_url``
  (:mod:`panels.cint_testrun`; a ``test_entry_url`` set in the credentials is used instead). None for providers
  without one (a redirect panel, Prolific, the simulated provider).

A provider that cannot be reached leaves its link out with a note; the service's link is given regardless. A
provider that *refuses* its test run (Cint: the wave's target group is not launched yet, or is closed) is a
:class:`ProviderTestRefused` naming the cause: a 409 problem from the API, one line from ``recognition test-link``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg

from panels.base import Provider, ProviderError, ProviderRejected
from panels.links import TESTER_PREFIX, entry_url
from recognition.errors import UserError
from recognition.store import survey as survey_store
from recognition.store.survey import SurveyAccess

#: How long a test link admits its tester.
TEST_LINK_LIFETIME = timedelta(days=7)


class ProviderTestRefused(UserError):
    """The wave's provider refused its own test mode for now; the message names the wave and the cause."""


@dataclass(frozen=True)
class WaveTestLinks:
    """A wave's test links (see the module docstring)."""

    wave_id: int
    provider: str = field(metadata={"doc": "the wave's provider"})
    entry_url: str = field(
        metadata={
            "doc": "the service's own test link (signed, ?test=1): one new test respondent, any provider"
        }
    )
    expires_at: datetime = field(metadata={"doc": "after this the service's test link is refused as expired"})
    provider_test_url: str | None = field(
        metadata={
            "doc": "the provider's own test mode (its screens, then the wave's test URL); null without one"
        }
    )
    provider_note: str | None = field(metadata={"doc": "why there is no provider test link, in plain words"})


async def wave_access(conn: asyncpg.Connection, wave_id: int) -> SurveyAccess:
    """The wave's survey access; a :class:`UserError` naming the wave when its survey does not exist yet."""
    access = await survey_store.get_access(conn, wave_id)
    if access is None:
        raise UserError(
            f"wave {wave_id} has no survey link yet: test links exist once its fieldwork has started"
        )
    return access


def service_test_link(base_url: str, access: SurveyAccess, now: datetime) -> tuple[str, datetime]:
    """A new tester's signed ``?test=1`` entry link under ``base_url`` (the service's public address), and when it
    stops holding."""
    expires = (now + TEST_LINK_LIFETIME).replace(microsecond=0)
    tester = TESTER_PREFIX + secrets.token_hex(6)
    link = entry_url(base_url, access.wave_id, tester, access.secret, int(expires.timestamp()))
    return link + "&test=1", expires


async def wave_test_links(
    access: SurveyAccess, provider: Provider | None, base_url: str, now: datetime | None = None
) -> WaveTestLinks:
    """The service's test link and, when ``provider`` (the wave's adapter) has a test mode, its own. A provider
    that cannot be reached leaves its link out and says why; the service's link works regardless. A provider that
    refuses raises :class:`ProviderTestRefused`."""
    link, expires = service_test_link(base_url, access, now or datetime.now(UTC))
    own: str | None = None
    note: str | None = None
    if provider is None:
        note = f"no {access.provider} adapter is available to ask for its test link"
    else:
        survey_url = f"{base_url.rstrip('/')}/survey/{access.wave_id}/start"
        try:
            own = await provider.test_link(access.for_provider(), survey_url)
        except ProviderRejected as exc:
            cause = str(exc).removeprefix(f"{exc.provider}: ")
            raise ProviderTestRefused(
                f"{access.provider} refused a test run of wave {access.wave_id}: {cause}"
            ) from None
        except ProviderError as exc:  # unavailable: try again later
            note = f"{access.provider} did not give its test link: {exc}"
        else:
            if own is None:
                note = f"{access.provider} has no test mode of its own; use the service's test link"
    return WaveTestLinks(access.wave_id, access.provider, link, expires, own, note)
