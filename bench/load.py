"""Throughput under a real server: the nearby API against an empty Flask app, both served by
waitress (what `mapapp run` uses) in their own processes, 4 clients at once, in one run.

Usage: python bench/load.py [--sizes 10000] [--seconds 10] [--clients 4]
       python bench/load.py --town DIRECTORY   (a town bench/site.py's make_town built)
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SERVE_MAPAPP = """
import logging
import sys
from pathlib import Path
from waitress import serve
from mapapp import create_app
directory, port = Path(sys.argv[1]), int(sys.argv[2])
app = create_app(
    {"DATABASE_URL": f"sqlite:///{directory / 'site.sqlite3'}", "SECRET_KEY": "bench"},
    instance_path=directory,
)
logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is 1"
serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)
"""
SERVE_EMPTY = """
import logging
import sys
from flask import Flask
from waitress import serve
app = Flask("empty")
app.add_url_rule("/", "empty", lambda: "")
logging.getLogger("waitress.queue").setLevel(logging.ERROR)
serve(app, host="127.0.0.1", port=int(sys.argv[2]), threads=4, _quiet=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def started(script: str, directory: Path, first_path: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", script, str(directory), str(port)])
    deadline = time.monotonic() + 600  # the first request builds the index
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            connection.request("GET", first_path)
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def requests_per_s(port: int, path: str, seconds: float, clients: int) -> float:
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def measure(directory: Path, seconds: float, clients: int) -> tuple[float, float]:
    site = bench_site()
    center = f"{site.LAT0 + site.SIZE / 2:.5f},{site.LON0 + site.SIZE / 2:.5f}"
    nearby = f"/api/resources?near={center}&radius_m=1000&limit=20"
    results = []
    for script, path in ((SERVE_EMPTY, "/"), (SERVE_MAPAPP, nearby)):
        process, port = started(script, directory, path)
        try:
            requests_per_s(port, path, 1.0, clients)  # warm up
            results.append(requests_per_s(port, path, seconds, clients))
        finally:
            process.terminate()
            process.wait(timeout=30)
    return results[0], results[1]


def bench_site():
    path = Path(__file__).with_name("site.py")
    spec = importlib.util.spec_from_file_location("bench_site", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_site"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--town", type=Path, help="a directory with a bench town's site.sqlite3")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    options = parser.parse_args()
    print(
        f"waitress, 4 threads; {options.clients} clients with keep-alive, {options.seconds} s each"
    )
    print(f"{'town':>12} {'empty req/s':>12} {'nearby req/s':>13} {'ratio':>7}")
    towns: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory() as name:
        if options.town:
            towns.append((options.town.name, options.town))
        else:
            for size in (int(s) for s in options.sizes.split(",")):
                directory = Path(name) / str(size)
                directory.mkdir()
                bench_site().make_town(directory, size)
                towns.append((f"{size:,}", directory))
        for label, directory in towns:
            empty, nearby = measure(directory, options.seconds, options.clients)
            print(f"{label:>12} {empty:>12.0f} {nearby:>13.0f} {nearby / empty:>6.2f}×")


if __name__ == "__main__":
    main()
