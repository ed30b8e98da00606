"""Shared fixtures: an app on a fresh SQLite file, its storage, the CLI, hand-made areas."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from shapely.geometry import box, mapping, shape

from mapapp import create_app
from mapapp.storage import get_storage

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
KOSAI = SHARED / "data" / "kosai-22221"
PAYLOADS = SHARED / "security" / "payloads.txt"
# Data from outside the repository lies beside the checkout where CI runs; a clone of the
# repository alone skips the tests that need it, saying why, and runs everything else.
NO_SHARED = "../shared（湖西市の実データ・攻撃文字列）がこのチェックアウトの隣にありません"


def require_shared(path: Path = KOSAI) -> Path:
    """``path`` inside ../shared, or skip the calling test (never at import time)."""
    if not path.exists():
        pytest.skip(f"{NO_SHARED}: {path.name}")
    return path


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'mapapp.sqlite3'}"


@pytest.fixture
def app(tmp_path, database_url):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test"},
        instance_path=tmp_path / "instance",
    )
    get_storage(app).upgrade()
    yield app
    get_storage(app).dispose()


@pytest.fixture
def storage(app):
    return get_storage(app)


@pytest.fixture
def taxonomy(app):
    return app.extensions["mapapp.taxonomy"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory):
    """An app on the demo town, loaded once per session with `mapapp demo`. For tests that
    only read."""
    from mapapp.cli import main

    directory = tmp_path_factory.mktemp("demo_app")
    url = f"sqlite:///{directory / 'demo.sqlite3'}"
    env = {
        "MAPAPP_DATABASE_URL": url,
        "MAPAPP_SECRET_KEY": "test",
        "MAPAPP_INSTANCE_PATH": str(directory),
    }
    result = CliRunner().invoke(main, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test"}, instance_path=directory
    )
    yield app
    get_storage(app).dispose()


@pytest.fixture
def cli(database_url, tmp_path):
    """Run `mapapp …` in-process against the test database; returns the click Result."""
    from mapapp.cli import main

    runner = CliRunner()
    env = {
        "MAPAPP_DATABASE_URL": database_url,
        "MAPAPP_SECRET_KEY": "test",
        "MAPAPP_INSTANCE_PATH": str(tmp_path / "instance"),
    }

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(
            main, [str(a) for a in args], env=env, input=input, catch_exceptions=False
        )

    return invoke


def run_cli(database_url: str, *args, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the installed `mapapp` command in a real subprocess, its instance folder beside
    the database (never the checkout's)."""
    instance = database_url.removeprefix("sqlite:///").rsplit("/", 1)[0] + "/instance"
    env = {
        **os.environ,
        "MAPAPP_DATABASE_URL": database_url,
        "MAPAPP_SECRET_KEY": "test",
        "MAPAPP_INSTANCE_PATH": instance,
    }
    return subprocess.run(
        [sys.executable, "-m", "mapapp.cli", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write_geojson(path: Path, features: list[tuple[dict, object]]) -> Path:
    """Write (properties, shapely geometry) pairs as a GeoJSON FeatureCollection."""
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": mapping(geom)}
            for props, geom in features
        ],
    }
    path.write_text(json.dumps(collection, ensure_ascii=False), "utf-8")
    return path


# Two layers that cut across each other, small enough to check on paper (lon, lat in degrees
# near 137.5, 34.7). 中学校区: west | east halves. 小学校区: south | north halves.
#
#   34.72 +-----------+-----------+
#         |  NW       |  NE       |     west = 137.50–137.52, east = 137.52–137.54
#   34.71 +-----------+-----------+     south = 34.70–34.71,  north = 34.71–34.72
#         |  SW       |  SE       |
#   34.70 +-----------+-----------+
#       137.50      137.52      137.54
WEST = box(137.50, 34.70, 137.52, 34.72)
EAST = box(137.52, 34.70, 137.54, 34.72)
SOUTH = box(137.50, 34.70, 137.54, 34.71)
NORTH = box(137.50, 34.71, 137.54, 34.72)


@pytest.fixture
def crossing_layers(tmp_path) -> dict[str, Path]:
    return {
        "junior": write_geojson(
            tmp_path / "junior.geojson",
            [
                ({"name": "西中学校区", "code": "J1"}, WEST),
                ({"name": "東中学校区", "code": "J2"}, EAST),
            ],
        ),
        "elementary": write_geojson(
            tmp_path / "elementary.geojson",
            [
                ({"name": "南小学校区", "code": "E1"}, SOUTH),
                ({"name": "北小学校区", "code": "E2"}, NORTH),
            ],
        ),
    }


def kosai_rows() -> list[dict[str, str]]:
    with open(
        require_shared(KOSAI / "resources_caremap2.csv"), encoding="utf-8-sig", newline=""
    ) as f:
        return list(csv.DictReader(f))


def kosai_districts() -> dict[str, object]:
    path = require_shared(KOSAI / "elementary_school_districts.geojson")
    data = json.loads(path.read_text("utf-8-sig"))
    return {f["properties"]["school_name"]: shape(f["geometry"]) for f in data["features"]}


@pytest.fixture
def kosai(cli):
    require_shared()
    areas = cli(
        "import-areas",
        KOSAI / "elementary_school_districts.geojson",
        "--layer", "2", "--kind", "小学校区", "--name-field", "school_name",
    )  # fmt: skip
    assert areas.exit_code == 0, areas.output
    first = cli("import-resources", KOSAI / "resources_caremap2.csv", "--skip-invalid")
    assert first.exit_code == 0, first.output
    return first


def payloads() -> list[str]:
    lines = require_shared(PAYLOADS).read_text("utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


# --- staff: a demo town with one account per role, copied fresh for each test ------------------

STAFF_PASSWORD = "correct horse battery staple"
# login → (role, areas): two coordinators of different 第2層 areas, to test area scopes.
STAFF_ACCOUNTS = {
    "admin": ("admin", ()),
    "viewer": ("viewer", ()),
    "coord_a": ("coordinator", ("中央地区",)),
    "coord_b": ("coordinator", ("東部地区",)),
}


@pytest.fixture(scope="session")
def staff_template(tmp_path_factory) -> Path:
    """The demo town with STAFF_ACCOUNTS, built once; tests get copies (staff_app)."""
    from mapapp import accounts
    from mapapp.cli import main

    directory = tmp_path_factory.mktemp("staff_template")
    url = f"sqlite:///{directory / 'demo.sqlite3'}"
    env = {
        "MAPAPP_DATABASE_URL": url,
        "MAPAPP_SECRET_KEY": "test",
        "MAPAPP_INSTANCE_PATH": str(directory),
    }
    result = CliRunner().invoke(main, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test"}, instance_path=directory)
    storage = get_storage(app)
    with storage.transaction() as session:
        for login, (role, areas) in STAFF_ACCOUNTS.items():
            area_ids = accounts.find_areas(session, areas)
            accounts.create_account(
                session, login, STAFF_PASSWORD, accounts.parse_role(role), area_ids
            )
    storage.dispose()
    return directory / "demo.sqlite3"


@pytest.fixture
def staff_app(staff_template, tmp_path):
    """An app on a fresh copy of the staff demo town (writes do not leak between tests)."""
    import sqlite3

    copy = tmp_path / "staff.sqlite3"
    with sqlite3.connect(staff_template) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{copy}", "SECRET_KEY": "test"},
        instance_path=tmp_path / "instance",
    )
    yield app
    get_storage(app).dispose()


@pytest.fixture
def cli_on_staff(staff_app, tmp_path):
    """Run `mapapp …` in-process against the staff_app database."""
    from mapapp.cli import main

    env = {
        "MAPAPP_DATABASE_URL": staff_app.config["DATABASE_URL"],
        "MAPAPP_SECRET_KEY": "test",
        "MAPAPP_INSTANCE_PATH": str(tmp_path / "instance"),
    }

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(
            main, [str(a) for a in args], env=env, input=input, catch_exceptions=False
        )

    return invoke


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (tests/browser_helpers)."""
    from tests.browser_helpers import chromium

    with chromium() as launched:
        yield launched
