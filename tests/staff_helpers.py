"""Signing in as staff in tests, and finding things of the demo town by area."""

from __future__ import annotations

import re

from sqlalchemy import select

from mapapp.models import Area, Resource, ResourceArea
from mapapp.storage import get_storage
from tests.conftest import STAFF_PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client) -> str:
    """The session's CSRF token, as the login page hands it out."""
    page = client.get("/staff/login").get_data(as_text=True)
    return _TOKEN.search(page).group(1)


def sign_in(client, login: str) -> str:
    """Sign ``client`` in; returns the session's CSRF token for forms and API writes."""
    token = csrf_of(client)
    answer = client.post(
        "/staff/login", data={"login": login, "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with client.session_transaction() as session:
        return session["csrf"]


def area_id(app, name: str) -> int:
    with get_storage(app).reading() as session:
        return session.scalar(select(Area.id).where(Area.name == name))


def resource_in(app, area_name: str, *, kind: str | None = None, exact: bool = True) -> Resource:
    """A resource whose point lies in the named area (not a private home unless asked)."""
    with get_storage(app).reading() as session:
        query = (
            select(Resource)
            .join(ResourceArea, ResourceArea.resource_id == Resource.id)
            .join(Area, Area.id == ResourceArea.area_id)
            .where(Area.name == area_name)
            .order_by(Resource.id)
        )
        if kind:
            query = query.where(Resource.kind == kind)
        if exact:
            query = query.where(Resource.location_precision == "exact")
        return session.scalars(query).first()


def resources_in(app, area_name: str, *, kind: str | None = None) -> list[Resource]:
    """Every resource (not a private home) whose point lies in the named area, by id."""
    with get_storage(app).reading() as session:
        query = (
            select(Resource)
            .join(ResourceArea, ResourceArea.resource_id == Resource.id)
            .join(Area, Area.id == ResourceArea.area_id)
            .where(Area.name == area_name, Resource.location_precision == "exact")
            .order_by(Resource.id)
        )
        if kind:
            query = query.where(Resource.kind == kind)
        return list(session.scalars(query))


_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def send_correction(client, url: str, /, **fields):
    """Post the resident's form at ``url`` with its own form token (MIN_SECONDS patched)."""
    token = _FORM_TOKEN.search(client.get(url).get_data(as_text=True)).group(1)
    return client.post(url, data={"form_token": token, **fields})


def copy_database(template, target):
    """A copy of a SQLite database file, made with SQLite's own backup (a consistent copy)."""
    import sqlite3

    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


def serve_staff(template, directory, **config):
    """The app on a copy of the staff demo town, served by a real server in a thread (for
    Chromium). No tile URL: no network is needed. Returns (server, app, base URL)."""
    import logging
    import threading

    from werkzeug.serving import make_server

    from mapapp import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    copy = copy_database(template, directory / "staff.sqlite3")
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{copy}", "SECRET_KEY": "t", "TILE_URL": "", **config},
        instance_path=directory / "instance",
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, app, f"http://127.0.0.1:{server.server_port}"
