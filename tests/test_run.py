"""The README's run command: a real server on a fresh database shows the demo town."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "MAPAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "MAPAPP_INSTANCE_PATH": str(tmp_path / "instance"),  # its secret_key goes there
    }
    command = [sys.executable, "-m", "mapapp", "run", "--port", str(port)]
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) as process:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/api/areas", timeout=2).close()  # noqa: S310
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(process.stderr.read())
                time.sleep(0.2)
        yield base
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.slow
def test_run_serves_the_demo_town(server):
    with urllib.request.urlopen(server + "/", timeout=10) as response:  # noqa: S310
        html = response.read().decode("utf-8")
    assert "さくら台町" in html
    for area in ("中央地区", "桜ケ丘地区", "川北地区", "南部地区", "東部地区", "西山地区"):
        assert area in html
    with urllib.request.urlopen(server + "/api/resources?limit=1", timeout=10) as response:  # noqa: S310
        body = json.load(response)
    assert body["total"] == 149  # 150 in the demo, one of them 終了
