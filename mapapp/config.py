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
    # Limits of one import (mapapp.importing.limits): checked before the work starts, and
    # said in Japanese with the limit and what to do.
    Setting(
        "IMPORT_MAX_MB",
        50,
        "Largest file an import reads, in MB (an .xlsx or .zip may unpack to ten times that).",
        int,
    ),
    Setting(
        "IMPORT_MAX_ROWS",
        200_000,
        "Most rows (or GeoJSON features) one resource list or gazetteer may have.",
        int,
    ),
    Setting(
        "IMPORT_MAX_COLUMNS",
        500,
        "Most columns (or GeoJSON properties) one imported file may have.",
        int,
    ),
    Setting(
        "IMPORT_MAX_CELL_CHARS",
        10_000,
        "Most characters in one cell of an imported file (every reader, GeoJSON included); "
        "names, venues and addresses have shorter limits of their own.",
        int,
    ),
    Setting(
        "AREA_MAX_FEATURES",
        20_000,
        "Most features (polygons) one area file may have.",
        int,
    ),
    Setting(
        "AREA_MAX_VERTICES",
        100_000,
        "Most vertices one area may keep; an area with more is simplified (within "
        "AREA_SIMPLIFY_M) and refused if it still has more.",
        int,
    ),
    Setting(
        "AREA_SIMPLIFY_M",
        1.0,
        "Tolerance in metres for simplifying an area with more than AREA_MAX_VERTICES "
        "vertices (Douglas–Peucker, shape kept valid).",
        float,
    ),
    Setting(
        "HELP_CONTACT",
        "",
        "Where residents can ask when a place gives no contact, name and phone number "
        "(e.g. `湖西市地域包括支援センター 053-576-1234`); shown on such cards, on lists that "
        "find nothing and on every printed page. Empty: the town's 社会福祉協議会 when the data "
        "has exactly one with a phone number, else nothing.",
    ),
    Setting(
        "PUBLISHER",
        "",
        "Who hands out the printed lists (e.g. `湖西市 長寿介護課`), printed on every page. "
        "Empty: the municipality's name.",
    ),
    Setting(
        "STAFF_IDLE_MINUTES",
        60,
        "A staff session ends after this many minutes without a request (shared office PCs).",
        int,
    ),
    Setting(
        "STAFF_SESSION_HOURS",
        12,
        "A staff session ends this many hours after signing in, however busy.",
        int,
    ),
    Setting(
        "REVIEW_AFTER_MONTHS",
        12,
        "A resource not confirmed (最終確認日) for this many months is listed as 要確認.",
        int,
    ),
    Setting(
        "SECURE_COOKIES",
        "",
        "Send the staff session cookie over HTTPS only: `1` or `0`. Empty: on when PUBLIC_URL "
        "starts with https://.",
    ),
    Setting(
        "CORRECTIONS_PER_HOUR",
        5,
        "How many corrections or new places one address may send per hour.",
        int,
    ),
    # Matching (mapapp.matching): thresholds and the weights of the score's parts.
    Setting(
        "MATCH_WALK_M",
        800,
        "通いの場 and other walk-coverage resources are candidates for a need within this "
        "straight-line distance of the person's home, in metres.",
        int,
    ),
    Setting(
        "MATCH_REACH_WALK_M",
        800,
        "A volunteer's 移動距離m when their list gives none and they travel 徒歩.",
        int,
    ),
    Setting(
        "MATCH_REACH_BICYCLE_M",
        2000,
        "A volunteer's 移動距離m when their list gives none and they travel by 自転車.",
        int,
    ),
    Setting(
        "MATCH_REACH_CAR_M",
        5000,
        "A volunteer's 移動距離m when their list gives none and they travel by 車.",
        int,
    ),
    Setting(
        "MATCH_WEIGHT_DISTANCE",
        40.0,
        "Score points for distance: full when the helper lives at the door, none at the edge "
        "of their reach (resources: of MATCH_WALK_M).",
        float,
    ),
    Setting(
        "MATCH_WEIGHT_TIME",
        20.0,
        "Score points for time: full when the helper's hours cover the wanted hours, half "
        "when either gives no hours (to be checked by phone).",
        float,
    ),
    Setting(
        "MATCH_WEIGHT_CONTINUITY",
        25.0,
        "Score points for a helper who has helped this person before (accepted or done).",
        float,
    ),
    Setting(
        "MATCH_WEIGHT_LOAD",
        15.0,
        "Score points for a helper not asked lately: this divided by (1 + the requests made "
        "to them in the last MATCH_LOAD_DAYS days), so the same few are not always asked.",
        float,
    ),
    Setting(
        "MATCH_WEIGHT_WISH",
        10.0,
        "Score points added for a helper who meets the person's wish (同性の方, 女性の方), and "
        "taken away for one who does not.",
        float,
    ),
    Setting(
        "MATCH_LOAD_DAYS",
        90,
        "Days of requests counted as a helper's recent load.",
        int,
    ),
    Setting(
        "MATCH_POINTS_PER_HELP",
        1,
        "ボランティアポイント credited to a volunteer when a help is recorded as done.",
        int,
    ),
    Setting(
        "MATCH_LIST_LIMIT",
        20,
        "Most volunteers, and most resources, listed as candidates for one need.",
        int,
    ),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
ENV_PREFIX = "MAPAPP_"


KIND_WORDS = {int: "整数", float: "数"}  # how a message names what a setting expects


class SettingError(ValueError):
    """A setting has a value of the wrong type, or the instance config cannot be read; the
    message, in Japanese, names the setting (or the file) and what came."""


def _coerce(setting: Setting, value: Any) -> Any:
    if value is None or setting.kind is str or isinstance(value, setting.kind):
        return value
    try:
        return setting.kind(value)
    except (TypeError, ValueError) as exc:
        expected = KIND_WORDS.get(setting.kind, setting.kind.__name__)
        raise SettingError(
            f"設定 {ENV_PREFIX}{setting.name} は{expected}で書いてください"
            f"（expected {setting.kind.__name__}, got {value!r}）"
        ) from exc


def empty_counts(setting: Setting) -> bool:
    """Whether an empty ``MAPAPP_*`` value is a value: for text settings whose empty value is
    documented (TILE_URL: no tiles; GEOCODER_URL: off; MUNICIPALITY_NAME: the 第1層 area's
    name…), ``MAPAPP_TILE_URL=`` means empty and wins over instance/config.py. For numbers,
    and for DATABASE_URL and SECRET_KEY (no default: empty means "make one"), an empty value
    is as if the variable were not set."""
    return setting.kind is str and setting.default is not None


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
        try:
            code = compile(instance_file.read_text("utf-8"), str(instance_file), "exec")
            exec(code, namespace)  # noqa: S102 -- the operator's own config file
        except Exception as exc:  # whatever the file does wrong, staff get one message
            raise SettingError(
                f"{instance_file} を読めません（{type(exc).__name__}: {exc}）"
            ) from exc
        values.update({k: v for k, v in namespace.items() if k.isupper()})
    for setting in SETTINGS:
        env_value = environ.get(ENV_PREFIX + setting.name)
        if env_value is not None and (env_value != "" or empty_counts(setting)):
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
