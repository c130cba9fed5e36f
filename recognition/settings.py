"""One typed settings object, read once at start.

Precedence (later wins): the defaults in ``config/recognition.toml`` < an optional ``--config FILE`` < environment
variables ``RECOGNITION_<SECTION>_<KEY>`` (``RECOGNITION_DATA_DIR`` for the top-level ``data_dir``) < command-line
flags. Everything is validated before anything starts: an unknown key, a wrong type or a bad URL raises
:class:`~recognition.errors.ConfigError` with one message that names the key and where it came from.

Every setting is declared once in :data:`SETTINGS` with its type and help text; ``docs/configuration.md`` documents
each (a test keeps the two in step).
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from recognition.addresses import Network, email_problem, parse_networks
from recognition.errors import ConfigError
from recognition.resources import resource_dir

ENV_PREFIX = "RECOGNITION_"
#: Environment variables with the prefix that are not settings (read by the test suite).
ENV_NOT_SETTINGS = frozenset({"RECOGNITION_TEST_DATABASE_URL"})


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("expected a whole number")
    if isinstance(value, str):
        value = value.strip()
        if not value.lstrip("-").isdigit():
            raise TypeError(f"expected a whole number, got {value!r}")
        return int(value)
    if not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {value!r}")
    return value


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError("expected a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"expected a number, got {value!r}") from None


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise TypeError(f"expected true or false, got {value!r}")


def _networks(value: Any) -> tuple[Network, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"expected a list of networks such as ['10.0.0.0/8'], got {value!r}")
    try:
        return parse_networks(value)
    except ValueError as exc:
        raise TypeError(str(exc)) from None


def _email(value: Any) -> str:
    text = _str(value).strip()
    problem = email_problem(text)
    if problem:
        raise TypeError(f"{text!r} {problem}")
    return text


def _bounds(value: Any) -> tuple[float, float]:
    if isinstance(value, str):
        value = [part for part in value.replace(" ", "").split(",") if part]
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise TypeError(f"expected two numbers 'low,high', got {value!r}")
    low, high = (_float(v) for v in value)
    if not 0 < low < 1 < high:
        raise TypeError(f"expected 0 < low < 1 < high, got {low}, {high}")
    return (low, high)


def _window_sizes(value: Any) -> tuple[int, ...]:
    if isinstance(value, str):
        value = [part for part in value.replace(" ", "").split(",") if part]
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list of whole numbers such as [2, 3, 4], got {value!r}")
    sizes = tuple(sorted({_int(v) for v in value}))
    if any(not 2 <= s <= 52 for s in sizes):
        raise TypeError(f"expected window sizes between 2 and 52 waves, got {list(sizes)}")
    return sizes


def _database_url(value: Any) -> str:
    url = _str(value).strip()
    if not url:
        return ""
    parts = urlsplit(url)
    shown = url.replace(f":{parts.password}@", ":***@") if parts.password else url  # never echo a password
    if parts.scheme not in ("postgresql", "postgres"):
        raise TypeError(
            f"not a PostgreSQL URL (expected postgresql://user:password@host:port/dbname), got {shown!r}"
        )
    if not parts.hostname and "host=" not in parts.query:
        raise TypeError(f"the URL names no host: {shown!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise TypeError(f"the URL has a bad port: {shown!r}") from None
    return url


def _http_url(value: Any) -> str:
    url = _str(value).strip().rstrip("/")
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
        raise TypeError(f"expected an http(s) URL, got {url!r}")
    return url


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _str(value).strip().lower()
        if text not in allowed:
            raise TypeError(f"expected one of {', '.join(allowed)}, got {value!r}")
        return text

    return check


def _port(value: Any) -> int:
    port = _int(value)
    if not 0 <= port <= 65535:
        raise TypeError(f"expected a port number 0-65535, got {port}")
    return port


def _positive_int(value: Any) -> int:
    number = _int(value)
    if number < 1:
        raise TypeError(f"expected a whole number ≥ 1, got {number}")
    return number


def _unit_interval(value: Any) -> float:
    number = _float(value)
    if not 0 < number < 1:
        raise TypeError(f"expected a number between 0 and 1, got {number}")
    return number


def _positive(value: Any) -> float:
    number = _float(value)
    if number <= 0:
        raise TypeError(f"expected a number > 0, got {number}")
    return number


def _non_negative(value: Any) -> float:
    number = _float(value)
    if number < 0:
        raise TypeError(f"expected a number ≥ 0, got {number}")
    return number


@dataclass(frozen=True)
class Setting:
    key: str  # dotted: section.name, or name for top-level keys
    parse: Callable[[Any], Any]
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.key.replace(".", "_").upper()

    @property
    def attr(self) -> str:
        return self.key.replace(".", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", _str, "Folder for the embedded database, the respondent-key secret and other state."),
    Setting("database.url", _database_url, "PostgreSQL URL; empty starts the embedded server in data_dir."),
    Setting("database.pool_min", _positive_int, "Smallest number of pooled database connections."),
    Setting("database.pool_max", _positive_int, "Largest number of pooled database connections."),
    Setting("database.connect_timeout", _non_negative, "Seconds to wait for the database before giving up."),
    Setting("server.host", _str, "Address the HTTP server listens on."),
    Setting("server.port", _port, "Port the HTTP server listens on (0 = any free port)."),
    Setting("server.base_url", _http_url, "Public address for respondent links and share links."),
    Setting(
        "server.trusted_proxies", _networks, "Proxies whose X-Forwarded-For names the client (networks)."
    ),
    Setting(
        "server.auth_failures", _positive_int, "Failed sign-ins, API keys or webhooks per client a minute."
    ),
    Setting("server.metrics_token", _str, "Bearer token /metrics asks for; empty = /metrics is open."),
    Setting(
        "server.trust_forwarded",
        _bool,
        "Trust X-Forwarded-Proto and X-Forwarded-Host from a TLS-terminating proxy (only behind one).",
    ),
    Setting(
        "survey.secret", _str, "Secret for pseudonymous respondent keys; empty = generated into data_dir."
    ),
    Setting("statistics.confidence_level", _unit_interval, "Confidence level of published intervals."),
    Setting("statistics.ci_method", _choice("logit", "beta", "wilson"), "Interval method for proportions."),
    Setting("statistics.suppress_below", _non_negative, "Effective n below which an estimate is suppressed."),
    Setting(
        "statistics.flag_below", _non_negative, "Effective n below which an estimate is flagged low-base."
    ),
    Setting("statistics.alpha", _unit_interval, "False discovery rate for significance flags."),
    Setting(
        "statistics.practical_threshold", _non_negative, "Smallest change (proportion) shown as a change."
    ),
    Setting("statistics.weight_bounds", _bounds, "Relative weight bounds (low, high) applied when raking."),
    Setting(
        "statistics.windows", _window_sizes, "Rolling-window sizes (in waves) computed when a wave publishes."
    ),
    Setting("scheduling.enabled", _bool, "Run poll schedules in this instance."),
    Setting(
        "scheduling.misfire_policy", _choice("one", "none", "all"), "Catch-up after downtime: one, none, all."
    ),
    Setting(
        "fieldwork.poll_interval",
        _positive,
        "Seconds between fieldwork's rounds with the provider while a wave is in the field.",
    ),
    Setting("logging.level", _choice("debug", "info", "warning", "error"), "Log level."),
    Setting("logging.access", _bool, "Log each request (method, path with tokens redacted, status, time)."),
    Setting("smtp.host", _str, "SMTP server for alert e-mail; empty = no e-mail is sent."),
    Setting("smtp.port", _port, "Port of the SMTP server."),
    Setting("smtp.username", _str, "SMTP login user; empty = no login."),
    Setting("smtp.password", _str, "SMTP login password."),
    Setting("smtp.sender", _email, "From address of alert e-mail."),
    Setting("smtp.starttls", _bool, "Upgrade the SMTP connection with STARTTLS before sending."),
    Setting("smtp.timeout", _non_negative, "Seconds to wait for the SMTP server."),
    Setting("alerts.enabled", _bool, "Evaluate published waves and deliver alerts in this instance."),
    Setting("alerts.interval", _non_negative, "Seconds between sweeps for new waves and undelivered alerts."),
    Setting("alerts.max_attempts", _positive_int, "Attempts per alert message before it is marked failed."),
    Setting("alerts.retry_backoff", _non_negative, "Seconds before the first retry; doubles after each."),
    Setting("alerts.webhook_allow", _networks, "Private networks alert webhooks may reach (on-premise)."),
    Setting(
        "panels.simulator_url",
        _http_url,
        "Simulated provider API (e.g. from `recognition panel-sim`); empty = one started in-process.",
    ),
    Setting(
        "panels.simulator_webhook_secret",
        _str,
        "Secret the simulated provider signs webhooks with; empty = generated for an in-process simulator.",
    ),
    Setting("panels.prolific_token", _str, "Prolific API token; empty = Prolific is not available."),
    Setting("panels.prolific_webhook_secret", _str, "Secret that verifies Prolific's webhook signatures."),
    Setting("panels.prolific_api_url", _http_url, "Prolific API base URL (a test double may stand in)."),
)
_BY_KEY = {s.key: s for s in SETTINGS}
_BY_ENV = {s.env: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Validated settings. Build with :func:`load_settings`."""

    data_dir: Path
    database_url: str = field(repr=False)  # a secret (a URL may hold a password)
    database_pool_min: int
    database_pool_max: int
    database_connect_timeout: float
    server_host: str
    server_port: int
    server_base_url: str
    server_trusted_proxies: tuple[Network, ...]
    server_auth_failures: int
    server_metrics_token: str = field(repr=False)  # a secret
    server_trust_forwarded: bool
    survey_secret: str = field(repr=False)  # a secret
    statistics_confidence_level: float
    statistics_ci_method: str
    statistics_suppress_below: float
    statistics_flag_below: float
    statistics_alpha: float
    statistics_practical_threshold: float
    statistics_weight_bounds: tuple[float, float]
    statistics_windows: tuple[int, ...]
    scheduling_enabled: bool
    scheduling_misfire_policy: str
    fieldwork_poll_interval: float
    logging_level: str
    logging_access: bool
    smtp_host: str
    smtp_port: int
    smtp_username: str
    smtp_password: str = field(repr=False)  # a secret
    smtp_sender: str
    smtp_starttls: bool
    smtp_timeout: float
    alerts_enabled: bool
    alerts_interval: float
    alerts_max_attempts: int
    alerts_retry_backoff: float
    alerts_webhook_allow: tuple[Network, ...]
    panels_simulator_url: str
    panels_simulator_webhook_secret: str = field(repr=False)  # a secret
    panels_prolific_token: str = field(repr=False)  # a secret
    panels_prolific_webhook_secret: str = field(repr=False)  # a secret
    panels_prolific_api_url: str

    @property
    def public_base_url(self) -> str:
        return self.server_base_url or f"http://{self.server_host}:{self.server_port}"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("recognition", appauthor=False))


def _flatten(doc: Mapping[str, Any], source: str) -> dict[str, tuple[Any, str]]:
    flat: dict[str, tuple[Any, str]] = {}
    for name, value in doc.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                flat[f"{name}.{sub}"] = (inner, source)
        else:
            flat[name] = (value, source)
    return flat


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _from_file(config_file: str | Path | None) -> dict[str, tuple[Any, str]]:
    if not config_file:
        return {}
    path = Path(config_file)
    raw = _flatten(_read_toml(path), str(path))
    for key, (_, source) in raw.items():
        if key not in _BY_KEY:
            raise ConfigError(f"unknown setting {key!r} in {source}; known: {', '.join(_BY_KEY)}")
    return raw


def _from_env(environ: Mapping[str, str]) -> dict[str, tuple[Any, str]]:
    raw: dict[str, tuple[Any, str]] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name in ENV_NOT_SETTINGS:
            continue
        setting = _BY_ENV.get(name)
        if setting is None:
            raise ConfigError(f"unknown setting in environment variable {name}; known: {', '.join(_BY_ENV)}")
        raw[setting.key] = (value, f"environment variable {name}")
    return raw


def load_settings(
    *,
    config_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults < ``config_file`` < ``env`` (default ``os.environ``) < ``overrides`` (flag values by dotted key;
    ``None`` values are ignored). Raises :class:`ConfigError` naming the first bad key."""
    defaults_path = resource_dir("config") / "recognition.toml"
    raw = _flatten(_read_toml(defaults_path), str(defaults_path))
    raw.update(_from_file(config_file))
    raw.update(_from_env(os.environ if env is None else env))
    for key, value in (overrides or {}).items():
        if value is not None:
            if key not in _BY_KEY:
                raise ConfigError(f"unknown setting {key!r}")
            raw[key] = (value, "command line")
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.key not in raw:
            raise ConfigError(f"setting {setting.key!r} has no default in {defaults_path}")
        value, source = raw[setting.key]
        try:
            values[setting.attr] = setting.parse(value)
        except TypeError as exc:
            raise ConfigError(f"setting {setting.key!r} from {source}: {exc}") from None
    unknown = set(raw) - set(_BY_KEY)
    if unknown:
        raise ConfigError(f"unknown setting {sorted(unknown)[0]!r} in {raw[sorted(unknown)[0]][1]}")
    values["data_dir"] = Path(values["data_dir"]).expanduser() if values["data_dir"] else default_data_dir()
    if values["database_pool_min"] > values["database_pool_max"]:
        raise ConfigError("setting 'database.pool_min' is larger than 'database.pool_max'")
    if values["statistics_suppress_below"] > values["statistics_flag_below"]:
        raise ConfigError("setting 'statistics.suppress_below' is larger than 'statistics.flag_below'")
    return Settings(**values)


def ensure_data_dir(settings: Settings) -> Settings:
    """Create the data dir and, unless ``survey.secret`` is set, the respondent-key secret in it (mode 0600,
    generated once and reused). Returns settings carrying the secret."""
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"setting 'data_dir': cannot create {settings.data_dir}: {exc.strerror}") from None
    if settings.survey_secret:
        return settings
    path = settings.data_dir / "secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConfigError(
            f"the respondent-key secret in {path} is too short; delete the file to regenerate it"
        )
    return replace(settings, survey_secret=secret)
