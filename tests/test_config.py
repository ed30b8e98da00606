"""Settings: documented, loaded in order, typed."""

import re
from pathlib import Path

import pytest

from mapapp.config import SETTINGS, SETTINGS_BY_NAME, SettingError, empty_counts, load_settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_in_the_readme():
    documented = set(re.findall(r"`MAPAPP_([A-Z_]+)`", README.read_text("utf-8")))
    assert {s.name for s in SETTINGS} <= documented


def test_every_setting_has_help():
    assert all(s.help for s in SETTINGS)


def test_load_order(tmp_path):
    (tmp_path / "config.py").write_text(
        "WALK_M_PER_MIN = 50\nMUNICIPALITY_NAME = 'ファイル'\n", "utf-8"
    )
    env = {"MAPAPP_WALK_M_PER_MIN": "70"}
    values = load_settings(tmp_path, {"MUNICIPALITY_NAME": "テスト"}, environ=env)
    assert values["WALK_M_PER_MIN"] == 70.0
    assert values["MUNICIPALITY_NAME"] == "テスト"
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'mapapp.sqlite3'}"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings(tmp_path, environ={})["SECRET_KEY"]
    assert len(first) == 64
    assert load_settings(tmp_path, environ={})["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_wrong_type_is_named(tmp_path):
    with pytest.raises(
        SettingError,
        match=r"設定 MAPAPP_API_PAGE_LIMIT は整数で書いてください（expected int, got 'many'）",
    ):
        load_settings(tmp_path, environ={"MAPAPP_API_PAGE_LIMIT": "many"})


def test_a_broken_instance_config_is_one_message(tmp_path):
    (tmp_path / "config.py").write_text(
        "TILE_URL = 'https://tiles.example/{z}/{x}/{y}.png\n", "utf-8"
    )
    with pytest.raises(SettingError, match=r"config\.py を読めません（SyntaxError"):
        load_settings(tmp_path, environ={})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TILE_URL", ""),  # no background map, as documented
        ("TILE_ATTRIBUTION", ""),
        ("GEOCODER_URL", ""),  # off, even when instance/config.py turns it on
        ("MUNICIPALITY_NAME", ""),
        ("PUBLIC_URL", ""),
        ("TAXONOMY_PATH", ""),
    ],
)
def test_an_empty_environment_value_means_empty_where_empty_means_something(tmp_path, name, value):
    (tmp_path / "config.py").write_text(f"{name} = 'from the file'\n", "utf-8")
    assert load_settings(tmp_path, environ={f"MAPAPP_{name}": value})[name] == value


@pytest.mark.parametrize("name", ["WALK_M_PER_MIN", "API_PAGE_LIMIT", "DATABASE_URL", "SECRET_KEY"])
def test_an_empty_environment_value_is_unset_where_empty_means_nothing(tmp_path, name):
    setting = SETTINGS_BY_NAME[name]
    values = load_settings(tmp_path, environ={f"MAPAPP_{name}": ""})
    assert values[name] == setting.default or (setting.default is None and values[name])


def test_every_text_setting_with_a_default_says_what_empty_means():
    for setting in SETTINGS:
        if empty_counts(setting) and setting.default == "":
            assert "Empty" in setting.help, setting.name


def test_empty_tile_url_in_the_environment_turns_tiles_off(tmp_path, monkeypatch):
    from mapapp import create_app
    from mapapp.storage import get_storage

    monkeypatch.setenv("MAPAPP_TILE_URL", "")
    app = create_app({"TESTING": True, "SECRET_KEY": "t"}, instance_path=tmp_path)
    get_storage(app).upgrade()
    assert app.config["TILE_URL"] == ""
    home = app.test_client().get("/")
    assert home.status_code == 200
    assert "cyberjapandata" not in home.headers["Content-Security-Policy"]
    assert "cyberjapandata" not in home.get_data(as_text=True)
    get_storage(app).dispose()
