"""Settings: defaults < config file < environment < flags; every bad value stops the start naming the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from recognition.errors import ConfigError
from recognition.resources import resource_dir
from recognition.settings import SETTINGS, ensure_data_dir, load_settings


def test_defaults_load(tmp_path: Path) -> None:
    s = load_settings(env={}, overrides={"data_dir": str(tmp_path)})
    assert s.server_host == "127.0.0.1" and s.server_port == 8080
    assert s.database_url == ""
    assert s.statistics_weight_bounds == (0.2, 5.0)
    assert s.data_dir == tmp_path


def test_precedence_file_env_flag(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[server]\nport = 9001\nhost = '0.0.0.0'\n")
    s = load_settings(config_file=cfg, env={})
    assert (s.server_host, s.server_port) == ("0.0.0.0", 9001)
    s = load_settings(config_file=cfg, env={"RECOGNITION_SERVER_PORT": "9002"})
    assert s.server_port == 9002 and s.server_host == "0.0.0.0"
    s = load_settings(
        config_file=cfg, env={"RECOGNITION_SERVER_PORT": "9002"}, overrides={"server.port": 9003}
    )
    assert s.server_port == 9003


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"RECOGNITION_SERVER_PORT": "eighty"},
            r"'server.port' from environment variable RECOGNITION_SERVER_PORT",
        ),
        ({"RECOGNITION_SERVER_PORT": "70000"}, r"'server.port'.*0-65535"),
        ({"RECOGNITION_DATABASE_URL": "mysql://x@y/z"}, r"'database.url'.*not a PostgreSQL URL"),
        ({"RECOGNITION_DATABASE_URL": "postgresql://u@h:notaport/db"}, r"'database.url'.*bad port"),
        ({"RECOGNITION_STATISTICS_CI_METHOD": "wald"}, r"'statistics.ci_method'.*logit, beta, wilson"),
        ({"RECOGNITION_STATISTICS_ALPHA": "1.5"}, r"'statistics.alpha'"),
        ({"RECOGNITION_FIELDWORK_POLL_INTERVAL": "0"}, r"'fieldwork.poll_interval'.*> 0"),
        ({"RECOGNITION_STATISTICS_WEIGHT_BOUNDS": "5,0.2"}, r"'statistics.weight_bounds'"),
        ({"RECOGNITION_DATABSE_URL": "postgresql://h/db"}, r"unknown setting.*RECOGNITION_DATABSE_URL"),
        ({"RECOGNITION_DATABASE_POOL_MIN": "20"}, r"pool_min' is larger"),
    ],
)
def test_bad_environment_values_name_the_key(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env)


def test_unknown_key_in_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[server]\nprot = 1\n")
    with pytest.raises(ConfigError, match=r"unknown setting 'server.prot' in .*c.toml"):
        load_settings(config_file=cfg, env={})


def test_wrong_type_in_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[database]\npool_max = 'many'\n")
    with pytest.raises(ConfigError, match=r"'database.pool_max' from .*c.toml: expected a whole number"):
        load_settings(config_file=cfg, env={})


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[server\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config_file=cfg, env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "nope.toml", env={})


def test_test_database_variable_is_not_a_setting() -> None:
    load_settings(env={"RECOGNITION_TEST_DATABASE_URL": "postgresql://h/db"})


def test_secret_generated_once_and_reused(tmp_path: Path) -> None:
    s = ensure_data_dir(load_settings(env={}, overrides={"data_dir": str(tmp_path / "d")}))
    assert len(s.survey_secret) == 64
    assert (tmp_path / "d" / "secret").stat().st_mode & 0o777 == 0o600
    again = ensure_data_dir(load_settings(env={}, overrides={"data_dir": str(tmp_path / "d")}))
    assert again.survey_secret == s.survey_secret
    explicit = ensure_data_dir(
        load_settings(
            env={"RECOGNITION_SURVEY_SECRET": "x" * 40}, overrides={"data_dir": str(tmp_path / "e")}
        )
    )
    assert explicit.survey_secret == "x" * 40 and not (tmp_path / "e" / "secret").exists()


def test_every_setting_has_a_default_and_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    defaults = (resource_dir("config") / "recognition.toml").read_text()
    for setting in SETTINGS:
        assert f"`{setting.key}`" in doc, f"{setting.key} is not documented in docs/configuration.md"
        assert f"`{setting.env}`" in doc, f"{setting.env} is not documented in docs/configuration.md"
        name = setting.key.split(".")[-1]
        assert re.search(rf"^{name}\s*=", defaults, re.M), f"{setting.key} has no default in recognition.toml"
