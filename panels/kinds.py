"""Every panel provider the service can buy from: a :class:`ProviderKind` in :data:`KINDS` — its name and title,
the credential fields a user sets (which are secret, which have defaults) and how to build its adapter from them.
Adding a provider is one entry here; :mod:`panels.registry` builds adapters from these with whose credentials."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from panels import cint
from panels.base import Provider
from panels.http import CallObserver, RetryPolicy
from panels.prolific import ProlificProvider
from panels.purespectrum import API_URL as PURESPECTRUM_API_URL
from panels.purespectrum import RETURN_URL as PURESPECTRUM_RETURN_URL
from panels.purespectrum import PureSpectrumProvider
from panels.redirect import RedirectConfig, RedirectPanel
from panels.simulated.client import SimulatedProvider

PROLIFIC_API_URL = "https://api.prolific.com/api/v1"


@dataclass(frozen=True)
class CredentialField:
    name: str
    description: str
    secret: bool = True  # never shown again once set (only its last four characters)
    default: str | None = None  # None: required


@dataclass(frozen=True)
class BuildContext:
    policy: RetryPolicy | None
    observer: CallObserver | None


@dataclass(frozen=True)
class ProviderKind:
    """A provider the service can buy from: its credential fields and how to build its adapter from them."""

    name: str
    title: str
    fields: tuple[CredentialField, ...]
    build: Callable[[Mapping[str, str], BuildContext], Provider]

    def complete(self, values: Mapping[str, str]) -> dict[str, str]:
        """``values`` checked against the fields, with defaults filled in; :class:`ValueError` naming every
        unknown, missing or malformed field."""
        known = {f.name for f in self.fields}
        problems = [
            f"{k}: not a field of {self.name} (it has {', '.join(sorted(known))})"
            for k in values
            if k not in known
        ]
        out: dict[str, str] = {}
        for f in self.fields:
            value = values.get(f.name)
            if value is None or value == "":
                if f.default is None:
                    problems.append(f"{f.name}: required ({f.description})")
                    continue
                value = f.default
            if not isinstance(value, str) or len(value) > 4096 or any(ord(c) < 32 for c in value):
                problems.append(
                    f"{f.name}: must be text of at most 4096 characters, without control characters"
                )
                continue
            out[f.name] = value
        if problems:
            raise ValueError("; ".join(problems))
        return out

    def masked(self, values: Mapping[str, str]) -> dict[str, str]:
        """What may be shown of ``values``: public fields in full, secrets as their last four characters."""
        return {
            f.name: (
                ("…" + values[f.name][-4:]) if f.secret and values.get(f.name) else values.get(f.name, "")
            )
            for f in self.fields
        }


def _build_simulated(values: Mapping[str, str], ctx: BuildContext) -> Provider:
    return SimulatedProvider(
        values["url"],
        policy=ctx.policy,
        webhook_secret=values.get("webhook_secret", ""),
        observer=ctx.observer,
    )


def _build_prolific(values: Mapping[str, str], ctx: BuildContext) -> Provider:
    return ProlificProvider(
        values["token"],
        base_url=values.get("api_url") or PROLIFIC_API_URL,
        completion_url=values.get("completion_url") or ProlificProvider.COMPLETION_URL,
        study_type=values.get("study_type", ""),
        webhook_secret=values.get("webhook_secret", ""),
        policy=ctx.policy,
        observer=ctx.observer,
    )


def _build_purespectrum(values: Mapping[str, str], ctx: BuildContext) -> Provider:
    return PureSpectrumProvider(
        values["access_token"],
        values["hash_secret"],
        api_url=values.get("api_url") or PURESPECTRUM_API_URL,
        return_url=values.get("return_url") or PURESPECTRUM_RETURN_URL,
        policy=ctx.policy,
        observer=ctx.observer,
    )


def _build_redirect(values: Mapping[str, str], ctx: BuildContext) -> Provider:
    return RedirectPanel(RedirectConfig.from_values(values), policy=ctx.policy, observer=ctx.observer)


KINDS: dict[str, ProviderKind] = {
    kind.name: kind
    for kind in (
        ProviderKind(
            "simulated",
            "Simulated panel",
            (
                CredentialField("url", "the simulator's address, e.g. http://127.0.0.1:8090", secret=False),
                CredentialField("webhook_secret", "the secret its webhooks are signed with", default=""),
            ),
            _build_simulated,
        ),
        ProviderKind(
            "prolific",
            "Prolific",
            (
                CredentialField("token", "an API token from Prolific's researcher settings"),
                CredentialField("webhook_secret", "the secret of the webhook subscription", default=""),
                CredentialField("api_url", "the API's address", secret=False, default=PROLIFIC_API_URL),
                CredentialField(
                    "completion_url",
                    "the completion page participants are sent back to (?cc=CODE is added)",
                    secret=False,
                    default=ProlificProvider.COMPLETION_URL,
                ),
                CredentialField(
                    "study_type",
                    "Prolific's study_type, e.g. SINGLE or US_REGIONAL_REP_SAMPLE (empty: a representative "
                    "sample of the poll's population, US_REP_SAMPLE or UK_REP_SAMPLE)",
                    secret=False,
                    default="",
                ),
            ),
            _build_prolific,
        ),
        ProviderKind(
            "purespectrum",
            "PureSpectrum",
            (
                CredentialField(
                    "access_token", "the Buy API access token PureSpectrum issued to the account"
                ),
                CredentialField("hash_secret", "the shared secret set in Buyer Settings, Hashing (SHA1)"),
                CredentialField(
                    "api_url",
                    "the API's host (https://staging.spectrumsurveys.com for staging)",
                    secret=False,
                    default=PURESPECTRUM_API_URL,
                ),
                CredentialField(
                    "return_url",
                    "where respondents go back to (staging: https://staging.spectrumsurveys.com/surveydone)",
                    secret=False,
                    default=PURESPECTRUM_RETURN_URL,
                ),
            ),
            _build_purespectrum,
        ),
        ProviderKind(
            "redirect",
            "Any panel by redirect",
            (
                CredentialField(
                    "id_parameter", "the entry parameter carrying the panel's respondent id", secret=False
                ),
                CredentialField(
                    "extra_parameters",
                    "other entry parameters to pass back on the exits, comma-separated",
                    secret=False,
                    default="",
                ),
                CredentialField("complete_url", "exit link for a complete, with {id}", secret=False),
                CredentialField("screened_out_url", "exit link for a screen-out, with {id}", secret=False),
                CredentialField("over_quota_url", "exit link for over quota, with {id}", secret=False),
                CredentialField("quality_url", "exit link for a quality terminate, with {id}", secret=False),
                CredentialField("price", "what the panel charges per complete, e.g. 2.50", secret=False),
                CredentialField("currency", "the price's currency", secret=False, default="USD"),
                CredentialField(
                    "hash_recipe",
                    'how links are hashed (JSON), e.g. {"algorithm": "hmac-sha256", "parameter": "hash"}',
                    secret=False,
                    default="",
                ),
                CredentialField("hash_secret", "the secret links are hashed with", default=""),
                CredentialField(
                    "announce_url",
                    "optional: where to POST each wave's entry link, launch and close",
                    secret=False,
                    default="",
                ),
            ),
            _build_redirect,
        ),
        ProviderKind(
            "cint",
            "Cint Exchange",
            (
                CredentialField("client_id", "the API client's id (Cint's API Starter Kit)", secret=False),
                CredentialField("client_secret", "the API client's secret"),
                CredentialField("account_id", "the Cint account's id", secret=False),
                CredentialField("project_manager_id", "the project manager's user id (a UUID)", secret=False),
                CredentialField(
                    "business_unit_id", "the business unit to buy in (sets the currency)", secret=False
                ),
                CredentialField("s2s_key", "the server-to-server (fulfillment) API key"),
                CredentialField(
                    "webhook_secret", "the secret of the account's webhook subscription", default=""
                ),
                CredentialField("api_url", "the Demand API's address", secret=False, default=cint.API_URL),
                CredentialField("auth_url", "the OAuth token endpoint", secret=False, default=cint.AUTH_URL),
                CredentialField(
                    "s2s_url", "the server-to-server API's address", secret=False, default=cint.S2S_URL
                ),
                CredentialField(
                    "return_url", "Cint's return page, with [%RID%]", secret=False, default=cint.RETURN_URL
                ),
                CredentialField(
                    "api_version", "the Cint-API-Version to call", secret=False, default=cint.API_VERSION
                ),
                CredentialField(
                    "test_entry_url",
                    "a test link to use instead of Cint's, with [%TARGET_GROUP_ID%] (empty: the one Cint gives)",
                    secret=False,
                    default="",
                ),
                CredentialField(
                    "simulation",
                    "on only for the local simulator (it is told what each study is about)",
                    secret=False,
                    default="off",
                ),
            ),
            lambda values, ctx: cint.from_fields(values, policy=ctx.policy, observer=ctx.observer),
        ),
    )
}
