"""Hostile text typed by a coordinator into every text field of the intake form, the volunteer
form and a case's note: kept as the text it is, shown as text on every matching page (lists,
records, candidates, the batch proposal), and in Chromium no payload runs."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mapapp.models import Need, Proposal, Volunteer
from mapapp.storage import get_storage
from tests.browser_helpers import Person, chromium
from tests.staff_helpers import resource_in, serve_staff, sign_in
from tests.test_staff_payloads import MADE_BY_A_PAYLOAD, assert_inert, assert_shown, hostile_texts

NEED_TEXT = ("label", "contact", "address", "text", "wanted", "wishes", "consent_how",
             "consent_scope", "source_key")  # fmt: skip
VOLUNTEER_TEXT = ("label", "contact", "address", "availability", "note", "source_key")
SHORT = {"label": 100, "consent_how": 100, "source_key": 200, "address": 300}


def _fields(payload: str, names, n: int) -> dict[str, str]:
    """The payload in every field that can hold it; 出典ID made unique per payload."""
    out = {name: payload for name in names if len(payload) <= SHORT.get(name, 2000)}
    if "source_key" in out:
        out["source_key"] = f"{n}-{payload}"[: SHORT["source_key"]]
    if "label" not in out:
        out["label"] = f"相談者{n}"
    return out


def _need(token, at, payload, n) -> dict:
    lat, lon = at
    return {"csrf_token": token, "lat": lat, "lon": lon, "kinds": ["kaji"], "consent": "1",
            **_fields(payload, NEED_TEXT, n)}  # fmt: skip


def _volunteer(token, at, payload, n) -> dict:
    lat, lon = at
    return {"csrf_token": token, "lat": lat + 0.001, "lon": lon, "skills": ["gomidashi"],
            "travel_m": "2000", "trained_on": "2025-01-01", "insurance_until": "2099-01-01",
            **_fields(payload, VOLUNTEER_TEXT, n)}  # fmt: skip


def _id(answer) -> int:
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    return int(re.search(r"/(\d+)$", answer.headers["Location"]).group(1))


def _record_everything(client, token, at, hostile) -> list[tuple[int, int, str]]:
    made = []
    for n, payload in enumerate(hostile):
        need_id = _id(client.post("/staff/needs/new", data=_need(token, at, payload, n)))
        volunteer_id = _id(
            client.post("/staff/volunteers/new", data=_volunteer(token, at, payload, n))
        )
        made.append((need_id, volunteer_id, payload))
    return made


def test_payloads_in_the_matching_forms_stay_text_on_every_page(staff_app):
    hostile = hostile_texts()
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    r = resource_in(staff_app, "中央地区")
    made = _record_everything(client, token, (r.lat, r.lon), hostile)
    lists = {
        path: client.get(path).get_data(as_text=True)
        for path in ("/staff/needs?show=all", "/staff/volunteers", "/staff/batch?kind=kaji")
    }
    for path, html in lists.items():
        assert_inert(html, path)
    for need_id, volunteer_id, payload in made:
        proposed = client.post(
            f"/staff/needs/{need_id}/proposals",
            data={"csrf_token": token, "volunteer_id": volunteer_id},
        )
        assert proposed.status_code == 302
        with get_storage(staff_app).reading() as db:
            proposal = db.scalar(select(Proposal.id).where(Proposal.need_id == need_id))
        asked = client.post(
            f"/staff/proposals/{proposal}/asked", data={"csrf_token": token, "note": payload}
        )
        assert asked.status_code == 302
        pages = (
            f"/staff/needs/{need_id}", f"/staff/needs/{need_id}/edit",
            f"/staff/needs/{need_id}/candidates", f"/staff/volunteers/{volunteer_id}",
            f"/staff/volunteers/{volunteer_id}/edit",
        )  # fmt: skip
        with get_storage(staff_app).reading() as db:
            stored = {
                f"/staff/needs/{need_id}": db.get(Need, need_id).label,
                f"/staff/volunteers/{volunteer_id}": db.get(Volunteer, volunteer_id).label,
                f"/staff/needs/{need_id}/edit": db.get(Need, need_id).text,
                f"/staff/volunteers/{volunteer_id}/edit": db.get(Volunteer, volunteer_id).note,
            }
        for path in pages:
            html = client.get(path).get_data(as_text=True)
            assert_inert(html, path)
            if path in stored:
                assert_shown(html, stored[path], path)  # as stored (lines are normalised)
        assert_shown(lists["/staff/needs?show=all"], stored[f"/staff/needs/{need_id}"], "list")


@pytest.mark.slow
def test_no_payload_runs_on_the_matching_pages_in_chromium(staff_template, tmp_path):
    hostile = hostile_texts()
    server, app, site = serve_staff(staff_template, tmp_path)
    storage = get_storage(app)
    client = app.test_client()
    token = sign_in(client, "admin")
    r = resource_in(app, "中央地区")
    made = _record_everything(client, token, (r.lat, r.lon), hostile)
    for need_id, volunteer_id, _ in made[::3]:
        client.post(
            f"/staff/needs/{need_id}/proposals",
            data={"csrf_token": token, "volunteer_id": volunteer_id},
        )
    pages = ["/staff/needs?show=all", "/staff/volunteers", "/staff/batch?kind=kaji"]
    pages += [f"/staff/needs/{n}" for n, _, _ in made[::3]]
    pages += [f"/staff/needs/{n}/candidates" for n, _, _ in made[1::7]]
    pages += [f"/staff/volunteers/{v}" for _, v, _ in made[2::5]]
    pages += [f"/staff/needs/{n}/edit" for n, _, _ in made[::11]]
    dialogs: list[str] = []
    found = {}
    try:
        with chromium() as browser:
            admin = Person(browser, site).sign_in("admin")
            page = admin.page
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for n, path in enumerate(pages):
                page.goto(site + path, wait_until="load" if n < 3 else "domcontentloaded")
                page.wait_for_selector("html[data-ready]", state="attached")
                found[path] = page.evaluate(MADE_BY_A_PAYLOAD)
            admin.close()  # no script error on any page
    finally:
        server.shutdown()
        storage.dispose()
    assert dialogs == []
    assert {path: f for path, f in found.items() if f} == {}
