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
