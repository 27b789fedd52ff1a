from pathlib import Path

import pytest

from dropship.config import ConfigError, Settings, load_settings


def test_defaults_apply_without_any_source(tmp_path):
    s = load_settings(data_dir=tmp_path, env={})
    assert s.port == 8765 and s.host == "127.0.0.1" and s.workers == 2
    assert s.db_url == f"sqlite:///{(tmp_path / 'app.db').as_posix()}"


def test_precedence_defaults_then_toml_then_env_then_overrides(tmp_path):
    (tmp_path / "config.toml").write_text('port = 9001\nworkers = 3\nhost = "0.0.0.0"\nheadless = false\n',
                                          encoding="utf-8")
    env = {"DROPSHIP_PORT": "9002", "DROPSHIP_WORKERS": "4"}
    s = load_settings(data_dir=tmp_path, env=env, port=9003)
    assert s.port == 9003  # explicit override (CLI) beats env
    assert s.workers == 4  # env beats toml
    assert s.host == "0.0.0.0"  # toml beats default
    assert s.headless is False
    assert s.session_hours == Settings.session_hours  # untouched default


def test_env_data_dir_is_used_when_not_given(tmp_path):
    s = load_settings(env={"DROPSHIP_DATA_DIR": str(tmp_path)})
    assert s.data_dir == tmp_path


def test_env_bool_and_database_url(tmp_path):
    s = load_settings(data_dir=tmp_path, env={"DROPSHIP_HEADLESS": "off",
                                              "DROPSHIP_DATABASE_URL": "postgresql://u:p@localhost/dd"})
    assert s.headless is False
    assert s.db_url == "postgresql://u:p@localhost/dd"


@pytest.mark.parametrize("env,needle", [
    ({"DROPSHIP_PORT": "eighty"}, "DROPSHIP_PORT"),
    ({"DROPSHIP_HEADLESS": "maybe"}, "DROPSHIP_HEADLESS"),
])
def test_bad_env_value_names_the_source(tmp_path, env, needle):
    with pytest.raises(ConfigError, match=needle):
        load_settings(data_dir=tmp_path, env=env)


def test_unknown_or_malformed_toml_is_refused(tmp_path):
    (tmp_path / "config.toml").write_text("prot = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="未知设置 prot"):
        load_settings(data_dir=tmp_path, env={})
    (tmp_path / "config.toml").write_text("port = \n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_settings(data_dir=tmp_path, env={})


def test_every_setting_documents_itself():
    s = load_settings(data_dir=Path("x"), env={})
    described = s.describe()
    assert described and all(help_text for _, _, help_text in described)


def test_business_time_is_china_time():
    import time

    import dropship  # noqa: F401  (sets the process time zone on import)

    assert time.localtime().tm_gmtoff == 8 * 3600
