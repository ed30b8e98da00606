"""Staff work at scale: with 10k resources (bench/site.py's town), a staff edit through the API
(GET for the version, then PATCH over it: the round trip a form or a script makes) and the
要確認 list of the whole town, each beside an empty Flask endpoint measured in the same run
(Flask's test client, this process). Also the same PATCH as a coordinator, whose area scope is
checked on every call, and the first request after the edit (the search index catching up).

Usage: python bench/staff.py [--size 10000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

from mapapp import accounts
from mapapp.models import Role
from mapapp.storage import get_storage


def _bench_site():
    """bench/site.py (its name is the standard library's `site`, so loaded by path)."""
    spec = importlib.util.spec_from_file_location("bench_site", Path(__file__).with_name("site.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_site"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


site = _bench_site()
empty_endpoint_s, get, make_town, timed = (
    site.empty_endpoint_s,
    site.get,
    site.make_town,
    site.timed,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_town(Path(folder), args.size)
        storage = get_storage(app)
        with storage.transaction() as session:
            admin = accounts.create_account(session, "bench", "bench password", Role.ADMIN)
            coordinator = accounts.create_account(
                session, "benchc", "bench password", Role.COORDINATOR, [1]
            )
            tokens = {
                "管理者": accounts.create_token(session, admin),
                "コーディネーター": accounts.create_token(session, coordinator),
            }
        client = app.test_client()
        empty = empty_endpoint_s()
        print(f"{args.size:,} resources; empty endpoint {empty * 1000:.2f} ms")
        for who, token in tokens.items():
            auth = {"Authorization": f"Bearer {token}"}
            counter = iter(range(10**9))

            def edit(auth=auth, counter=counter) -> int:
                current = client.get("/api/staff/resources/5", headers=auth)
                version = current.get_json()["version"]
                answer = client.patch(
                    "/api/staff/resources/5",
                    json={"fee_text": f"{next(counter)}円"},
                    headers={**auth, "If-Match": f'"{version}"'},
                )
                assert answer.status_code == 200, answer.get_json()
                return len(answer.data)

            seconds, _ = timed(edit, args.repeat)
            print(f"edit round trip (GET + PATCH) as {who}: {seconds * 1000:.1f} ms"
                  f" = {seconds / empty:.0f}× empty")  # fmt: skip
        auth = {"Authorization": f"Bearer {tokens['管理者']}"}
        seconds, size = timed(lambda: get_auth(client, "/api/staff/review", auth), args.repeat)
        total = client.get("/api/staff/review", headers=auth).get_json()["total"]
        print(f"要確認 list, whole town ({total:,} listed, first 500 sent, {size:,} B): "
              f"{seconds * 1000:.1f} ms = {seconds / empty:.0f}× empty")  # fmt: skip
        start = time.perf_counter()
        get(client, "/api/resources?q=ふれあいサロン5&limit=5")
        print(f"first search after the edits: {(time.perf_counter() - start) * 1000:.0f} ms")
        storage.dispose()


def get_auth(client, path: str, headers: dict) -> int:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, (path, answer.status_code)
    return len(answer.data)


if __name__ == "__main__":
    main()
