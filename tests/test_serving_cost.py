"""What a serving process does not pay for: pykakasi, since kind labels carry their readings
in data/taxonomy.toml and every other reading is stored on import."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from mapapp.taxonomy import load_taxonomy
from mapapp.text import reading
from tests.resource_files import own_row, write_csv

SERVE_ONE = """
import json, sys
from mapapp import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "test", "TILE_URL": ""})
client = app.test_client()
statuses = [client.get(path).status_code for path in sys.argv[2:]]
print(json.dumps([statuses, "pykakasi" in sys.modules]))
"""


# Readings pykakasi gets wrong, corrected by hand in data/taxonomy.toml.
CORRECTED = {"houmon_biyo", "kaigosha_shien", "tsusho_a", "tsusho_b", "houmon_a", "houmon_b"}


def test_every_shipped_kind_carries_its_reading_in_kana():
    kana = re.compile(r"[\u3041-\u309fー・()A-Z ]+")
    for kind in load_taxonomy().kinds:
        assert kind.reading and kana.fullmatch(kind.reading), kind.code
        if kind.reading != reading(kind.label):  # search answers as before, but for corrections
            assert kind.code in CORRECTED, (kind.code, kind.reading, reading(kind.label))


def test_a_serving_process_never_loads_pykakasi(tmp_path, storage, taxonomy, database_url):
    from mapapp.importing.resources import ImportOptions, import_resources

    rows = [own_row(出典ID=f"s{i}", 名称=f"ふれあいサロン{i}", 種別="サロン") for i in range(3)]
    path = write_csv(tmp_path / "r.csv", rows)
    import_resources(storage, path, taxonomy, ImportOptions(profile="own"))
    paths = [
        "/api/resources?q=さろん&limit=5",
        "/api/resources?near=34.705,137.51&radius_m=3000",
        "/search?q=ふれあい",
        "/near?lat=34.705&lon=137.51",
    ]
    done = subprocess.run(
        [sys.executable, "-c", SERVE_ONE, database_url, *paths],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    statuses, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert statuses == [200] * len(paths) and loaded is False
