"""A serving process for bench/site.py: opens the bench town's database, answers each path
given once, and prints [resident MB, peak MB] as JSON on its last line.

Usage: python bench/serving.py DIRECTORY PATH [PATH …]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mapapp import create_app


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    directory, *paths = sys.argv[1:]
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{Path(directory) / 'site.sqlite3'}", "SECRET_KEY": "bench"},
        instance_path=directory,
    )
    client = app.test_client()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    print(json.dumps([round(status_mb("VmRSS"), 1), round(status_mb("VmHWM"), 1)]))


if __name__ == "__main__":
    main()
