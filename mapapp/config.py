"""The settings table: every setting's name, default and help, and the order they load in."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL of the database. Default: a SQLite file `mapapp.sqlite3` in the "
        "instance folder. PostgreSQL: `postgresql+psycopg://user@host/db`.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs sessions and CSRF tokens. Default: a random key written once to "
        "`instance/secret_key` (never committed).",
    ),
    Setting(
        "MUNICIPALITY_NAME",
        "",
        "Name shown in page titles. Empty: the name of the 第1層 area, if there is one.",
    ),
    Setting(
        "PUBLIC_URL",
        "",
        "The site's address as residents reach it (e.g. https://map.example.lg.jp), used for "
        "the QR code and the address printed on hand-outs. Empty: the address of the request.",
    ),
    Setting(
        "WALK_M_PER_MIN",
        60.0,
        "Walking speed used for 徒歩N分, in metres per minute (60 is a planning figure for "
        "older walkers).",
        float,
    ),
    Setting(
        "TILE_URL",
        "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png",
        "Background map tiles ({z}/{x}/{y} URL). Default: 地理院タイル 標準地図. Empty: no "
        "background (for closed networks without a tile server; areas and markers still show).",
    ),
    Setting(
        "TILE_ATTRIBUTION",
        "出典: 地理院タイル",
        "Credit shown on the map for the tiles (plain text).",
    ),
    Setting(
        "TILE_MAX_ZOOM",
        18,
        "Highest zoom level the tile server has.",
        int,
    ),
    Setting(
        "TAXONOMY_PATH",
        "",
        "File with the resource kinds, need kinds and skills. Empty: `data/taxonomy.toml`.",
    ),
    Setting(
        "GEOCODER_URL",
        "",
        "Address-search service used by imports for addresses that no venue or 町丁目 places "
        "(a JSON service returning GeoJSON points, such as 国土地理院's "
        "`https://msearch.gsi.go.jp/address-search/AddressSearch?q={address}`). Empty (the "
        "default): nothing is asked online.",
    ),
    Setting(
        "GEOCODER_INTERVAL_S",
        1.0,
        "Seconds between two requests to the address-search service (answers are cached in "
        "the database, so an address is asked once).",
        float,
    ),
    Setting(
        "API_PAGE_LIMIT",
        500,
        "Largest `limit` the JSON API accepts in one page.",
        int,
    ),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
ENV_PREFIX = "MAPAPP_"


class SettingError(ValueError):
    """A setting has a value of the wrong type."""


def _coerce(setting: Setting, value: Any) -> Any:
    if value is None or setting.kind is str or isinstance(value, setting.kind):
        return value
    try:
        return setting.kind(value)
    except (TypeError, ValueError) as exc:
        raise SettingError(
            f"{ENV_PREFIX}{setting.name}: expected {setting.kind.__name__}, got {value!r}"
        ) from exc


def load_settings(
    instance_path: Path, overrides: dict[str, Any] | None = None, environ=os.environ
) -> dict[str, Any]:
    """Resolve every setting: defaults → ``instance/config.py`` → ``MAPAPP_*`` → overrides.

    Unknown names in the instance file or the overrides are kept (Flask's own keys such as
    ``TESTING`` pass through) but only the table's names are read from the environment.
    """
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    instance_file = instance_path / "config.py"
    if instance_file.exists():
        namespace: dict[str, Any] = {}
        exec(compile(instance_file.read_text("utf-8"), str(instance_file), "exec"), namespace)  # noqa: S102 -- the operator's own config file
        values.update({k: v for k, v in namespace.items() if k.isupper()})
    for setting in SETTINGS:
        env_value = environ.get(ENV_PREFIX + setting.name)
        if env_value is not None and env_value != "":
            values[setting.name] = env_value
    values.update(overrides or {})
    for setting in SETTINGS:
        values[setting.name] = _coerce(setting, values[setting.name])

    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance_path / 'mapapp.sqlite3'}"
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = _instance_secret(instance_path)
    return values


def _instance_secret(instance_path: Path) -> str:
    """A random key kept in the instance folder, so restarts keep sessions valid."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text("ascii").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created readable by the owner only from the start, not chmod-ed after writing.
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process starting at the same moment wrote it first
        return key_file.read_text("ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as f:
        f.write(key)
    return key
