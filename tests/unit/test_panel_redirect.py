"""The generic redirect panel (panels/redirect.py): its configuration checked field by field in plain words, its
entry and exit links against digests computed here with hmac on literal strings; and PureSpectrum's targeting
(panels/purespectrum.py) against the qualification codes its documentation lists."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from panels.base import Arrival, EntryRefused, ProjectSpec, Quota, WaveAccess
from panels.purespectrum import targeting
from panels.redirect import RedirectConfig, RedirectPanel
from panels.registry import KINDS, BuildContext

SECRET = "dynata-shared-secret"
#: A Dynata-style project: the respondent id in ``psid``, ``k2`` passed back, exits by ``rst`` code, every link
#: hashed with HMAC-SHA256 in unpadded base64url over everything before ``&hash=`` (docs/providers.md).
DYNATA = {
    "id_parameter": "psid",
    "extra_parameters": "k2",
    "complete_url": "https://survey.example-panel.com/respondent/exit?rst=1&psid={id}&k2={k2}",
    "screened_out_url": "https://survey.example-panel.com/respondent/exit?rst=2&psid={id}&k2={k2}",
    "over_quota_url": "https://survey.example-panel.com/respondent/exit?rst=3&psid={id}&k2={k2}",
    "quality_url": "https://survey.example-panel.com/respondent/exit?rst=4&psid={id}&k2={k2}",
    "price": "2.10",
    "hash_recipe": json.dumps({"algorithm": "hmac-sha256", "parameter": "hash", "encoding": "base64url"}),
    "hash_secret": SECRET,
}
ACCESS = WaveAccess(12, "ref", "ref", "x" * 32)


def b64url_hmac(text: str) -> str:
    return (
        base64.urlsafe_b64encode(hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )


def panel(**changes: str) -> RedirectPanel:
    kind = KINDS["redirect"]
    provider = kind.build(kind.complete({**DYNATA, **changes}), BuildContext(None, None))
    assert isinstance(provider, RedirectPanel)
    return provider


def test_the_entry_link_to_paste_names_the_panel_parameters() -> None:
    assert panel().entry_url("https://ours.example/survey/12/start", ACCESS) == (
        "https://ours.example/survey/12/start?psid={id}&k2={k2}"
    )


async def test_a_hashed_entry_is_admitted_with_its_extra_parameter() -> None:
    url = "https://ours.example/survey/12/start?psid=7f3a9c&k2=55e1"
    arrival = await panel().admit(ACCESS, {"psid": "7f3a9c", "k2": "55e1"}, f"{url}&hash={b64url_hmac(url)}")
    assert arrival == Arrival("7f3a9c", {"k2": "55e1"})


@pytest.mark.parametrize(
    ("query", "url", "reason"),
    [
        ({"psid": "7f3a9c"}, "https://ours.example/survey/12/start?psid=7f3a9c", "unsigned"),
        ({"psid": "7f3a9d"}, "https://ours.example/survey/12/start?psid=7f3a9d&hash={h}", "bad_signature"),
        ({"psid": "7f3a9c"}, "https://ours.example/survey/13/start?psid=7f3a9c&hash={h}", "bad_signature"),
        ({}, "https://ours.example/survey/12/start?hash={h}", "bad_id"),
        ({"psid": "a b"}, "https://ours.example/survey/12/start?psid=a%20b", "bad_id"),
    ],
)
async def test_unsigned_tampered_or_foreign_entries_are_refused(
    query: dict[str, str], url: str, reason: str
) -> None:
    good = b64url_hmac("https://ours.example/survey/12/start?psid=7f3a9c")  # signed for wave 12, id 7f3a9c
    with pytest.raises(EntryRefused) as refused:
        await panel().admit(ACCESS, query, url.replace("{h}", good))
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("outcome", "rst"), [("complete", 1), ("screened_out", 2), ("over_quota", 3), ("quality_terminate", 4)]
)
async def test_each_outcome_leaves_through_its_hashed_exit(outcome: str, rst: int) -> None:
    url = await panel().finish(ACCESS, Arrival("7f3a9c", {"k2": "55e1"}), outcome)
    base = f"https://survey.example-panel.com/respondent/exit?rst={rst}&psid=7f3a9c&k2=55e1"
    assert url == f"{base}&hash={b64url_hmac(base)}"


async def test_without_a_recipe_links_are_neither_checked_nor_hashed() -> None:
    plain = panel(hash_recipe="", hash_secret="")
    assert (
        await plain.admit(ACCESS, {"psid": "p1"}, "https://o/survey/12/start?psid=p1")
    ).participant_id == "p1"
    url = await plain.finish(ACCESS, Arrival("p 1", {}), "complete")
    assert url == "https://survey.example-panel.com/respondent/exit?rst=1&psid=p%201&k2="


async def test_projects_are_local_and_cost_the_price_entered() -> None:
    p = panel(price="3.25", currency="EUR")
    assert (await p.feasibility(_spec())).price == 3.25 and (await p.feasibility(_spec())).currency == "EUR"
    project = await p.create_project(_spec(), idempotency_key="k")
    assert (project.id, project.status) == ("ref-9", "draft")
    assert (await p.launch(project.id, idempotency_key="k2")).status == "live"
    assert (await p.close(project.id)).status == "closed"
    assert await p.test_link(ACCESS, "") is None and not p.reports_submissions


def _spec() -> ProjectSpec:
    return ProjectSpec("ref-9", "w", 20, "us", survey_url="https://o/survey/9/start")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"complete_url": "https://panel/exit?rst=1"}, "complete_url: the link has no {id} placeholder"),
        ({"quality_url": "https://panel/exit?id={id}&s={sid}"}, "quality_url: unknown placeholder {sid}"),
        ({"over_quota_url": "panel/exit?id={id}"}, "over_quota_url: 'panel/exit?id={id}' is not an http(s)"),
        ({"screened_out_url": ""}, "screened_out_url: required"),
        ({"id_parameter": ""}, "id_parameter: the name of the entry parameter"),
        ({"id_parameter": "test"}, "'test' is used by the survey's own test links"),
        ({"extra_parameters": "k2, psid"}, "extra_parameters: each parameter may be named once"),
        ({"price": "two"}, "price: 'two' is not a number"),
        ({"price": "-1"}, "price: '-1' must be zero or more"),
        ({"currency": "dollars"}, "currency: 'dollars' is not a three-letter currency code"),
        ({"hash_recipe": "hmac"}, "hash_recipe: not JSON"),
        ({"hash_recipe": '{"algorithm": "md5"}'}, "hash_recipe: algorithm: 'md5' is not one of"),
        ({"hash_recipe": '{"algo": "hmac-sha1"}'}, "hash_recipe: unknown key(s) algo"),
        (
            {"hash_recipe": '{"parameter": "k2"}'},
            "hash_recipe: its parameter 'k2' is also an entry parameter",
        ),
        ({"hash_secret": ""}, "hash_secret: required with a hash_recipe"),
        ({"announce_url": "ftp://x"}, "announce_url: 'ftp://x' is not an http(s) address"),
    ],
)
def test_a_wrong_configuration_is_named_in_plain_words(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as err:
        RedirectConfig.from_values({**DYNATA, **changes})
    assert message in str(err.value)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ValueError) as err:
        RedirectConfig.from_values({**DYNATA, "complete_url": "https://p/x", "price": "?"})
    assert "complete_url:" in str(err.value) and "price:" in str(err.value)


def test_purespectrum_targets_gender_age_and_education_with_its_documented_codes() -> None:
    quotas = (
        Quota("gender", "female", 60),
        Quota("gender", "male", 58),
        Quota("age", "18-24", 14),
        Quota("age", "65+", 27),
        Quota("education", "bachelors_plus", 39),
        Quota("region", "West", 28),  # PureSpectrum profiles geography from zip codes: not sent
    )
    qualifications, ps_quotas = targeting(quotas)
    assert qualifications == [
        {"qualification_code": 211, "condition_codes": ["112", "111"]},
        {
            "qualification_code": 212,
            "range_sets": [{"from": 18, "to": 24, "units": 311}, {"from": 65, "to": 99, "units": 311}],
        },
        {"qualification_code": 216, "condition_codes": ["114", "115", "116", "117", "118"]},
    ]
    assert [(q["buyer_quota_id"], q["required_count"]) for q in ps_quotas] == [
        ("gender:female", 60),
        ("gender:male", 58),
        ("age:18-24", 14),
        ("age:65+", 27),
        ("education:bachelors_plus", 39),
    ]
    assert ps_quotas[0]["criteria"] == [{"qualification_code": 211, "condition_codes": ["112"]}]
