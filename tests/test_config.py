"""Settings: documented, loaded in order, typed."""

import re
from pathlib import Path

import pytest

from mapapp.config import SETTINGS, SettingError, load_settings

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
    with pytest.raises(SettingError, match="MAPAPP_API_PAGE_LIMIT: expected int"):
        load_settings(tmp_path, environ={"MAPAPP_API_PAGE_LIMIT": "many"})
