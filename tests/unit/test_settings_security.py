"""Settings keep their secrets out of messages and reprs, and refuse values that would let a header or an address
list be smuggled in."""

from __future__ import annotations

import ipaddress

import pytest

from recognition.errors import ConfigError
from recognition.settings import load_settings

SECRETS = {
    "RECOGNITION_SURVEY_SECRET": "survey-secret-" + "s" * 40,
    "RECOGNITION_SMTP_PASSWORD": "smtp-password-hunter2",
    "RECOGNITION_PANELS_PROLIFIC_TOKEN": "prolific-token-xyz",
    "RECOGNITION_PANELS_PROLIFIC_WEBHOOK_SECRET": "prolific-webhook-abc",
    "RECOGNITION_PANELS_SIMULATOR_WEBHOOK_SECRET": "simulator-webhook-def",
    "RECOGNITION_SERVER_METRICS_TOKEN": "metrics-token-ghi",
    "RECOGNITION_DATABASE_URL": "postgresql://app:db-password-jkl@db.example.internal:5432/recognition",
}


def test_the_settings_repr_holds_no_secret() -> None:
    settings = load_settings(env=SECRETS)
    text = repr(settings) + str(settings)
    for name, value in SECRETS.items():
        secret = value.split(":")[2].split("@")[0] if name.endswith("DATABASE_URL") else value
        assert secret not in text, name
    assert settings.smtp_password == SECRETS["RECOGNITION_SMTP_PASSWORD"]  # still there to use


@pytest.mark.parametrize(
    "url", ["mysql://app:db-password-jkl@h/db", "postgresql://app:db-password-jkl@h:99999/db"]
)
def test_a_bad_database_url_is_named_without_its_password(url: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env={"RECOGNITION_DATABASE_URL": url})
    assert "database.url" in str(err.value) and "db-password-jkl" not in str(err.value)


def test_an_smtp_sender_with_a_line_break_is_refused() -> None:
    with pytest.raises(ConfigError, match="smtp.sender"):
        load_settings(env={"RECOGNITION_SMTP_SENDER": "alerts@example.org\r\nBcc: everyone@example.org"})
    assert (
        load_settings(env={"RECOGNITION_SMTP_SENDER": "alerts@example.org"}).smtp_sender
        == "alerts@example.org"
    )


def test_networks_are_read_from_the_environment_and_checked() -> None:
    settings = load_settings(
        env={
            "RECOGNITION_ALERTS_WEBHOOK_ALLOW": "10.20.0.0/16, 127.0.0.1",
            "RECOGNITION_SERVER_TRUSTED_PROXIES": "",
        }
    )
    assert settings.alerts_webhook_allow == (
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("127.0.0.1/32"),
    )
    assert settings.server_trusted_proxies == ()
    with pytest.raises(ConfigError, match="server.trusted_proxies.*'proxy.example.org'"):
        load_settings(env={"RECOGNITION_SERVER_TRUSTED_PROXIES": "proxy.example.org"})
