"""One search index per process, kept fresh without making requests wait for a build."""

from __future__ import annotations

import logging
import pickle
import sqlite3
import subprocess
import sys
import threading

from sqlalchemy import func, select

from mapapp.index_patch import patched
from mapapp.models import Resource
from mapapp.search_index import ResourceIndex, build_index
from mapapp.storage import Storage
from mapapp.taxonomy import Taxonomy

SEPARATE_BUILD_FROM = 20_000  # resources from which IndexCache builds in a child process


class IndexCache:
    """One ResourceIndex per process, kept fresh without making requests wait for a build.

    - No index yet: the request builds one (others wait for that build, not their own).
    - The data version moved on because another process wrote (an import from the command
      line, another server process): requests go on with the index they have while one
      background thread builds the next, which replaces it when done. Such a write shows
      after one build (seconds at 130,000 resources), never in the middle of a request.
    - This process wrote (Storage.written_version): the request patches the index with the
      rows that changed (mapapp.index_patch), so a write shows to its own process as soon as
      the write returns, without waiting for a build; a full build only when many changed.

    From ``separate_build_from`` resources on, each full build runs in a short-lived child
    process and only the finished index comes back: the serving process never holds the
    build's rows and garbage (which stayed as about 240 MB of its memory at 130,000).
    """

    def __init__(self, separate_build_from: int | None = SEPARATE_BUILD_FROM):
        self.separate_build_from = separate_build_from  # None: always in this process
        self._index: ResourceIndex | None = None
        self._swap_lock = threading.Lock()  # replacing _index
        self._build_lock = threading.Lock()  # one build or patch in the foreground at a time
        self._thread_lock = threading.Lock()
        self._background: threading.Thread | None = None
        self._versions: VersionWatch | None = None
        self.background_error: BaseException | None = None  # the last failed background build

    def get(self, storage: Storage, taxonomy: Taxonomy) -> ResourceIndex:
        version = self._data_version(storage)
        index = self._index
        if index is not None and index.data_version == version:
            return index
        # A version this process committed is at most the database's: never wait for more.
        own = min(storage.written_version(), version)
        if index is None or index.data_version < own:
            return self._bring_up_to(storage, taxonomy, needed=own)
        self._build_in_background(storage, taxonomy)
        return index

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background build to finish (for tests and benches)."""
        thread = self._background
        if thread is not None:
            thread.join(timeout)

    def _data_version(self, storage: Storage) -> int:
        watch = self._versions
        if watch is None or watch.storage is not storage:
            watch = self._versions = VersionWatch(storage)
        return watch.version()

    def _bring_up_to(self, storage, taxonomy, needed: int) -> ResourceIndex:
        """An index of version ``needed`` or newer: the one there, the one there patched, or
        a full build when there is none or the patch would cost more."""
        with self._build_lock:
            index = self._index
            if index is not None and index.data_version >= needed:
                return index
            fresh = None
            if index is not None:
                with storage.reading() as session:
                    fresh = patched(index, session, taxonomy)
            return self._install(fresh or self._built(storage, taxonomy))

    def _install(self, fresh: ResourceIndex) -> ResourceIndex:
        """``fresh`` in use unless a newer index is (a build finished in the meantime)."""
        with self._swap_lock:
            if self._index is None or fresh.data_version >= self._index.data_version:
                self._index = fresh
            return self._index

    def _build_in_background(self, storage, taxonomy) -> None:
        with self._thread_lock:
            if self._background is not None and self._background.is_alive():
                return
            self._background = threading.Thread(
                target=self._build_for_later,
                args=(storage, taxonomy),
                name="mapapp-search-index",
                daemon=True,
            )
            self._background.start()

    def _build_for_later(self, storage, taxonomy) -> None:
        try:  # no lock held while building: an own write is patched in meanwhile
            self._install(self._built(storage, taxonomy))
        except Exception as exc:  # the old index keeps serving; the next request tries again
            self.background_error = exc
            logging.getLogger(__name__).exception("search index: background build failed")

    def _built(self, storage: Storage, taxonomy: Taxonomy) -> ResourceIndex:
        if self.separate_build_from is not None:
            with storage.reading() as session:
                resources = session.scalar(select(func.count()).select_from(Resource)) or 0
            if resources >= self.separate_build_from:
                return _built_in_child(storage.url, taxonomy)
        with storage.reading() as session:
            return build_index(session, taxonomy)


class VersionWatch:
    """The data version, asked of the database only when it may have moved: with SQLite,
    ``PRAGMA data_version`` on a connection of its own changes whenever another connection
    (of this process or another) commits, and costs no table read. Other databases are asked
    every time (Storage.data_version)."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._seen: tuple[int, int] | None = None  # (PRAGMA data_version, data version)
        url = storage.engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self._connection = sqlite3.connect(url.database, check_same_thread=False)

    def version(self) -> int:
        if self._connection is None:
            return self.storage.data_version()
        with self._lock:
            # Read before the version: a commit in between is seen by the next request.
            changes = self._connection.execute("PRAGMA data_version").fetchone()[0]
            if self._seen is None or self._seen[0] != changes:
                self._seen = (changes, self.storage.data_version())
            return self._seen[1]


def _built_in_child(url: str, taxonomy: Taxonomy) -> ResourceIndex:
    """build_index in a fresh Python process (not a fork of a threaded server, and not
    multiprocessing, which would import the server's own main module again)."""
    done = subprocess.run(
        [sys.executable, "-c", "import mapapp.index_cache as c; c._build_for_parent()"],
        input=pickle.dumps((url, taxonomy)),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            "search index: the build process failed: " + done.stderr.decode(errors="replace")
        )
    return pickle.loads(done.stdout)  # noqa: S301 -- written by our own child, just now


def _build_for_parent() -> None:
    """In the child: read (database URL, taxonomy), build, write the index to stdout."""
    url, taxonomy = pickle.load(sys.stdin.buffer)  # noqa: S301 -- from the parent
    storage = Storage(url)
    try:
        with storage.reading() as session:
            index = build_index(session, taxonomy)
    finally:
        storage.dispose()
    sys.stdout.buffer.write(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
