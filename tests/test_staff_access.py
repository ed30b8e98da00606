"""The authorization matrix: every route and method of the app, asked as anonymous, 閲覧,
a coordinator of area A, a coordinator of area B and 管理者, with the answer each must get.

A route added to the app without a row here makes the test fail.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from shapely.geometry import box, mapping
from sqlalchemy import select

from mapapp import corrections
from mapapp.models import AuditEntry, Resource
from mapapp.storage import get_storage
from mapapp.web import suggest
from tests.conftest import STAFF_PASSWORD
from tests.staff_helpers import area_id, resource_in, sign_in

PERSONAS = ("anonymous", "viewer", "coord_a", "coord_b", "admin")
AREA_A, AREA_B = "中央地区", "東部地区"

OK, LOGIN, REFUSED = "ok", "login", "refused"
PUBLIC = dict.fromkeys(PERSONAS, OK)
STAFF_READ = {"anonymous": LOGIN, "viewer": OK, "coord_a": OK, "coord_b": OK, "admin": OK}
EDIT_IN_A = {"anonymous": LOGIN, "viewer": REFUSED, "coord_a": OK, "coord_b": REFUSED, "admin": OK}
ADMIN_ONLY = {
    "anonymous": LOGIN, "viewer": REFUSED, "coord_a": REFUSED, "coord_b": REFUSED, "admin": OK,
}  # fmt: skip
EDITORS = {"anonymous": LOGIN, "viewer": REFUSED, "coord_a": OK, "coord_b": OK, "admin": OK}
# Needs and volunteers: personal records. 閲覧 sees none; a record of area A is, to the
# coordinator of area B, the same as no record at all (404).
NOT_FOUND = "not found"
MATCHERS = EDITORS
PERSON_IN_A = {
    "anonymous": LOGIN, "viewer": REFUSED, "coord_a": OK, "coord_b": NOT_FOUND, "admin": OK,
}  # fmt: skip

# (endpoint, method) → expected answer per persona, and how to ask.
MATRIX: dict[tuple[str, str], dict[str, str]] = {
    ("public.home", "GET"): PUBLIC,
    ("public.area", "GET"): PUBLIC,
    ("public.area_print", "GET"): PUBLIC,
    ("public.resource", "GET"): PUBLIC,
    ("public.near", "GET"): PUBLIC,
    ("public.search_page", "GET"): PUBLIC,
    ("public.search_print", "GET"): PUBLIC,
    ("public.kind_styles", "GET"): PUBLIC,
    ("public.resource_calendar", "GET"): PUBLIC,
    ("public.area_calendar", "GET"): PUBLIC,
    ("api.areas", "GET"): PUBLIC,
    ("api.resources", "GET"): PUBLIC,
    ("api.resource", "GET"): PUBLIC,
    ("api.openapi", "GET"): PUBLIC,
    ("suggest.correction", "GET"): PUBLIC,
    ("suggest.correction", "POST"): PUBLIC,
    ("suggest.new_place", "GET"): PUBLIC,
    ("suggest.new_place", "POST"): PUBLIC,
    ("staff.sign_in", "GET"): PUBLIC,
    ("staff.sign_in", "POST"): PUBLIC,
    ("staff.sign_out", "POST"): PUBLIC,
    ("staff.home", "GET"): STAFF_READ,
    ("staff.resource_list", "GET"): STAFF_READ,
    ("staff.review_page", "GET"): STAFF_READ,
    ("staff.edit_resource", "GET"): STAFF_READ,
    ("staff.resource_history", "GET"): STAFF_READ,
    ("staff.correction_list", "GET"): STAFF_READ,
    ("staff.new_resource", "GET"): EDITORS,
    ("staff.create_resource", "POST"): EDIT_IN_A,
    ("staff.save_resource", "POST"): EDIT_IN_A,
    ("staff.confirm_resource", "POST"): EDIT_IN_A,
    ("staff.restore_resource", "POST"): EDIT_IN_A,
    ("staff.approve_correction", "POST"): EDIT_IN_A,
    ("staff.reject_correction", "POST"): EDIT_IN_A,
    ("staff.account_list", "GET"): ADMIN_ONLY,
    ("staff.create_account", "POST"): ADMIN_ONLY,
    ("staff.set_active", "POST"): ADMIN_ONLY,
    ("staff.update_account", "POST"): ADMIN_ONLY,
    ("staff.audit_log", "GET"): ADMIN_ONLY,
    ("staff.audit_csv", "GET"): ADMIN_ONLY,
    # Files (mapapp/web/staff_files.py): imports are checked against the rows' areas (the
    # file asked with has a row in area A); coordinator B may still confirm, and is sent back
    # to the form as nothing of theirs was checked.
    ("staff_files.import_page", "GET"): EDITORS,
    ("staff_files.check_import", "POST"): EDIT_IN_A,
    ("staff_files.confirm_import", "POST"): EDITORS,
    ("staff_files.area_page", "GET"): ADMIN_ONLY,
    ("staff_files.check_areas", "POST"): ADMIN_ONLY,
    ("staff_files.replace_areas", "POST"): ADMIN_ONLY,
    ("staff_files.export_page", "GET"): EDITORS,
    ("staff_files.download_export", "POST"): EDIT_IN_A,
    ("staff_api.resource", "GET"): STAFF_READ,
    ("staff_api.resource_history", "GET"): STAFF_READ,
    ("staff_api.review_list", "GET"): STAFF_READ,
    ("staff_api.correction_list", "GET"): STAFF_READ,
    ("staff_api.schedule_reading", "POST"): STAFF_READ,
    ("staff_api.create_resource", "POST"): EDIT_IN_A,
    ("staff_api.change_resource", "PATCH"): EDIT_IN_A,
    ("staff_api.confirm_resource", "POST"): EDIT_IN_A,
    ("staff_api.restore_resource", "POST"): EDIT_IN_A,
    ("staff_api.approve_correction", "POST"): EDIT_IN_A,
    ("staff_api.reject_correction", "POST"): EDIT_IN_A,
    # Matching pages (mapapp/web/matching.py): the need, volunteer and case lie in area A.
    ("matching.need_list", "GET"): MATCHERS,
    ("matching.new_need", "GET"): MATCHERS,
    ("matching.create_need", "POST"): EDIT_IN_A,
    ("matching.need_page", "GET"): PERSON_IN_A,
    ("matching.edit_need", "GET"): PERSON_IN_A,
    ("matching.save_need", "POST"): PERSON_IN_A,
    ("matching.change_status", "POST"): PERSON_IN_A,
    ("matching.candidates_page", "GET"): PERSON_IN_A,
    ("matching.propose", "POST"): PERSON_IN_A,
    ("matching.proposal_step", "POST"): PERSON_IN_A,
    ("matching.volunteer_list", "GET"): MATCHERS,
    ("matching.new_volunteer", "GET"): MATCHERS,
    ("matching.create_volunteer", "POST"): EDIT_IN_A,
    ("matching.volunteer_page", "GET"): PERSON_IN_A,
    ("matching.edit_volunteer", "GET"): PERSON_IN_A,
    ("matching.save_volunteer", "POST"): PERSON_IN_A,
    ("matching.redeem_points", "POST"): PERSON_IN_A,
    ("matching.batch_page", "GET"): PERSON_IN_A,  # asked for area A
    ("matching.accept_batch", "POST"): MATCHERS,
    # The staff API for matching (mapapp/web/matching_api.py): as the pages. Each step of a
    # case is asked on a case of its own (see _case_at), the need staying open until the end.
    ("matching_api.need_list", "GET"): MATCHERS,
    ("matching_api.follow_ups", "GET"): MATCHERS,
    ("matching_api.create_need", "POST"): EDIT_IN_A,
    ("matching_api.need", "GET"): PERSON_IN_A,
    ("matching_api.change_need", "PATCH"): PERSON_IN_A,
    ("matching_api.change_need_status", "POST"): PERSON_IN_A,
    ("matching_api.candidates", "GET"): PERSON_IN_A,
    ("matching_api.propose", "POST"): PERSON_IN_A,
    ("matching_api.proposal_asked", "POST"): PERSON_IN_A,
    ("matching_api.proposal_accepted", "POST"): PERSON_IN_A,
    ("matching_api.proposal_declined", "POST"): PERSON_IN_A,
    ("matching_api.proposal_done", "POST"): PERSON_IN_A,
    ("matching_api.proposal_cancelled", "POST"): PERSON_IN_A,
    ("matching_api.volunteer_list", "GET"): MATCHERS,
    ("matching_api.create_volunteer", "POST"): EDIT_IN_A,
    ("matching_api.volunteer", "GET"): PERSON_IN_A,
    ("matching_api.change_volunteer", "PATCH"): PERSON_IN_A,
    ("matching_api.redeem_points", "POST"): PERSON_IN_A,
    ("matching_api.batch_proposal", "POST"): PERSON_IN_A,  # asked for area A
    ("matching.needs_csv", "GET"): MATCHERS,  # one's own areas' only (B: none of A's)
    ("matching.volunteers_csv", "GET"): MATCHERS,
    # Deleting: each request deletes a spare need or volunteer of area A of its own.
    ("matching.delete_need", "POST"): PERSON_IN_A,
    ("matching.delete_volunteer", "POST"): PERSON_IN_A,
    ("matching_api.delete_need", "DELETE"): PERSON_IN_A,
    ("matching_api.delete_volunteer", "DELETE"): PERSON_IN_A,
}


def test_every_route_has_a_row(app):
    operations = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert operations == set(MATRIX)


class Town:
    """What the requests point at: a resource of area A with two versions, waiting
    suggestions about it, and a second account to stop and start."""

    def __init__(self, app):
        self.app = app
        self.area_a = area_id(app, AREA_A)
        self.resource = resource_in(app, AREA_A, kind="salon").id
        storage = get_storage(app)
        from mapapp import editing

        taxonomy = app.extensions["mapapp.taxonomy"]
        with storage.transaction() as session:
            editing.save_resource(
                session, taxonomy, {"fee_text": "200円"}, resource_id=self.resource, based_on=1
            )
            self.suggestions = [
                corrections.submit(
                    session, resource_id=self.resource, proposed={"fee_text": f"{n}00円"},
                    message="", contact="", key=f"k{n}", per_hour=5,
                ).id
                for n in (3, 4, 5, 6)
            ]  # fmt: skip
        with storage.reading() as session:
            self.point = session.execute(
                select(Resource.lat, Resource.lon).where(Resource.id == self.resource)
            ).one()

        self.need, self.volunteer, self.proposal = _people_in(app, self.point)
        self.spares = 0

    def version(self) -> int:
        with get_storage(self.app).reading() as session:
            return session.get(Resource, self.resource).version

    def next_suggestion(self) -> int:
        return self.suggestions.pop()

    def spare(self, what: str) -> int:
        """A need or a volunteer of area A made for one request to delete."""
        from tests.matching_fixtures import need, volunteer

        lat, lon = self.point
        with get_storage(self.app).transaction() as session:
            self.spares += 1
            key = f"spare{self.spares}"
            made = (need if what == "need" else volunteer)(session, key, lat, area_id=self.area_a)
            made.lon = lon
            session.flush()
            return made.id

    def need_version(self) -> str:
        from mapapp.matching.intake import version_of
        from mapapp.models import Need

        with get_storage(self.app).reading() as session:
            return version_of(session.get(Need, self.need))

    def volunteer_version(self) -> str:
        from mapapp.matching.intake import version_of
        from mapapp.models import Volunteer

        with get_storage(self.app).reading() as session:
            return version_of(session.get(Volunteer, self.volunteer))


def _case_at(town: Town, status: str) -> int:
    """A case of its own between the need and the resource, at ``status``."""
    from mapapp.models import Proposal, ProposalStatus

    with get_storage(town.app).transaction() as session:
        case = Proposal(need_id=town.need, resource_id=town.resource, status=ProposalStatus(status))
        session.add(case)
        session.flush()
        return case.id


def _point_for(town: Town) -> None:
    """A point for the volunteer to exchange."""
    from mapapp.models import PointEntry

    with get_storage(town.app).transaction() as session:
        session.add(PointEntry(volunteer_id=town.volunteer, delta=1, reason="権限確認"))


def _people_in(app, point) -> tuple[int, int, int]:
    """A need and a volunteer of area A, and a case between them (their proposal)."""
    from tests.matching_fixtures import need, volunteer

    lat, lon = point
    area = area_id(app, AREA_A)
    with get_storage(app).transaction() as session:
        v = volunteer(session, "M1", lat, area_id=area)
        v.lon = lon
        n = need(session, "M1", lat, area_id=area, kinds=("kaji",))
        n.lon = lon
        from mapapp.models import Proposal, ProposalStatus

        p = Proposal(need_id=n.id, volunteer_id=v.id, status=ProposalStatus.PROPOSED)
        session.add(p)
        session.flush()
        return n.id, v.id, p.id


def _ask(client, town: Town, endpoint: str, method: str, token: str):
    rid, area = town.resource, town.area_a
    lat, lon = town.point
    headers = {"X-CSRF-Token": token}
    form = {"csrf_token": token}
    new_place = {"name": "新しいサロン", "kind": "サロン", "lat": lat + 0.0001, "lon": lon}
    match endpoint, method:
        case ("public.home", _):
            return client.get("/")
        case ("public.area", _):
            return client.get(f"/areas/{area}")
        case ("public.area_print", _):
            return client.get(f"/areas/{area}/print")
        case ("public.resource", _):
            return client.get(f"/resources/{rid}")
        case ("public.near", _):
            return client.get(f"/near?lat={lat}&lon={lon}")
        case ("public.search_page", _):
            return client.get("/search?q=サロン")
        case ("public.search_print", _):
            return client.get("/search/print?q=サロン")
        case ("public.kind_styles", _):
            return client.get("/kinds.css")
        case ("public.resource_calendar", _):
            return client.get(f"/resources/{rid}.ics")
        case ("public.area_calendar", _):
            return client.get(f"/areas/{area}.ics")
        case ("api.areas", _):
            return client.get("/api/areas")
        case ("api.resources", _):
            return client.get("/api/resources")
        case ("api.resource", _):
            return client.get(f"/api/resources/{rid}")
        case ("api.openapi", _):
            return client.get("/api/openapi.json")
        case ("suggest.correction", "GET"):
            return client.get(f"/resources/{rid}/correction")
        case ("suggest.correction", "POST"):
            page = client.get(f"/resources/{rid}/correction").get_data(as_text=True)
            form_token = page.split('name="form_token" value="')[1].split('"')[0]
            return client.post(
                f"/resources/{rid}/correction", data={"form_token": form_token, "fee_text": "1円"}
            )
        case ("suggest.new_place", "GET"):
            return client.get("/new-place")
        case ("suggest.new_place", "POST"):
            page = client.get("/new-place").get_data(as_text=True)
            form_token = page.split('name="form_token" value="')[1].split('"')[0]
            return client.post("/new-place", data={"form_token": form_token, "name": "サロン"})
        case ("staff.sign_in", "GET"):
            return client.get("/staff/login")
        case ("staff.sign_in", "POST"):  # a wrong password, which anyone may try
            return client.post(
                "/staff/login", data={"login": "nobody", "password": "x" * 12, **form}
            )
        case ("staff.sign_out", _):
            return client.post("/staff/logout", data=form)
        case ("staff.home", _):
            return client.get("/staff/")
        case ("staff.resource_list", _):
            return client.get("/staff/resources?q=会")
        case ("staff.review_page", _):
            return client.get("/staff/review")
        case ("staff.edit_resource", _):
            return client.get(f"/staff/resources/{rid}/edit")
        case ("staff.resource_history", _):
            return client.get(f"/staff/resources/{rid}/history")
        case ("staff.correction_list", _):
            return client.get("/staff/corrections")
        case ("staff.new_resource", _):
            return client.get("/staff/resources/new")
        case ("staff.create_resource", _):
            return client.post("/staff/resources/new", data={**form, **new_place})
        case ("staff.save_resource", _):
            data = {**form, "version": town.version(), "fee_text": "無料"}
            return client.post(f"/staff/resources/{rid}/edit", data=data)
        case ("staff.confirm_resource", _):
            return client.post(f"/staff/resources/{rid}/confirm", data=form)
        case ("staff.restore_resource", _):
            data = {**form, "to_version": 1, "version": town.version()}
            return client.post(f"/staff/resources/{rid}/restore", data=data)
        case ("staff.approve_correction", _):
            return client.post(f"/staff/corrections/{town.next_suggestion()}/approve", data=form)
        case ("staff.reject_correction", _):
            return client.post(f"/staff/corrections/{town.next_suggestion()}/reject", data=form)
        case ("staff.account_list", _):
            return client.get("/staff/accounts")
        case ("staff.create_account", _):
            data = {**form, "login": "newuser", "password": STAFF_PASSWORD, "role": "viewer"}
            return client.post("/staff/accounts", data=data)
        case ("staff.update_account", _):
            data = {**form, "role": "coordinator", "area": [str(town.area_a)]}
            return client.post("/staff/accounts/2", data=data)
        case ("staff.set_active", _):
            return client.post("/staff/accounts/2/active", data={**form, "active": "0"})
        case ("staff.audit_log", _):
            return client.get("/staff/audit")
        case ("staff.audit_csv", _):
            return client.get("/staff/audit.csv")
        case ("staff_files.import_page", _):
            return client.get("/staff/imports")
        case ("staff_files.check_import", _):
            return _upload(client, "/staff/imports", form, _resource_file(lat, lon, "m1"))
        case ("staff_files.confirm_import", _):
            return _confirm(client, "/staff/imports", form, _resource_file(lat, lon, "m2"), {})
        case ("staff_files.area_page", _):
            return client.get("/staff/areas")
        case ("staff_files.check_areas", _):
            return _upload(client, "/staff/areas", {**form, **AREA_FORM}, _area_file(lat, lon))
        case ("staff_files.replace_areas", _):
            return _confirm(client, "/staff/areas", form, _area_file(lat, lon), AREA_FORM)
        case ("staff_files.export_page", _):
            return client.get("/staff/exports")
        case ("staff_files.download_export", _):
            return client.post("/staff/exports", data={**form, "format": "csv", "area": area})
        case ("staff_api.resource", _):
            return client.get(f"/api/staff/resources/{rid}")
        case ("staff_api.resource_history", _):
            return client.get(f"/api/staff/resources/{rid}/history")
        case ("staff_api.review_list", _):
            return client.get("/api/staff/review")
        case ("staff_api.correction_list", _):
            return client.get("/api/staff/corrections")
        case ("staff_api.schedule_reading", _):
            body = {"schedule_text": "毎週火曜 10時〜"}
            return client.post("/api/staff/schedule-reading", json=body, headers=headers)
        case ("staff_api.create_resource", _):
            return client.post("/api/staff/resources", json=new_place, headers=headers)
        case ("staff_api.change_resource", _):
            return client.patch(
                f"/api/staff/resources/{rid}",
                json={"fee_text": "300円"},
                headers={**headers, "If-Match": f'"{town.version()}"'},
            )
        case ("staff_api.confirm_resource", _):
            return client.post(f"/api/staff/resources/{rid}/confirm", headers=headers)
        case ("staff_api.restore_resource", _):
            body = {"to_version": 1, "version": town.version()}
            return client.post(f"/api/staff/resources/{rid}/restore", json=body, headers=headers)
        case ("staff_api.approve_correction", _):
            return client.post(
                f"/api/staff/corrections/{town.next_suggestion()}/approve", headers=headers
            )
        case ("staff_api.reject_correction", _):
            return client.post(
                f"/api/staff/corrections/{town.next_suggestion()}/reject", headers=headers
            )
        case ("matching.need_list", _):
            return client.get("/staff/needs?show=all")
        case ("matching.new_need", _):
            return client.get("/staff/needs/new")
        case ("matching.create_need", _):
            data = {**form, "label": "権限確認", "kinds": "kaji", "lat": lat, "lon": lon}
            return client.post("/staff/needs/new", data=data)
        case ("matching.need_page", _):
            return client.get(f"/staff/needs/{town.need}")
        case ("matching.edit_need", _):
            return client.get(f"/staff/needs/{town.need}/edit")
        case ("matching.save_need", _):
            data = {**form, "version": town.need_version(), "label": "権限確認", "kinds": "kaji",
                    "lat": lat, "lon": lon}  # fmt: skip
            return client.post(f"/staff/needs/{town.need}/edit", data=data)
        case ("matching.change_status", _):
            data = {**form, "follow_up_on": "2026-12-24"}
            return client.post(f"/staff/needs/{town.need}/status", data=data)
        case ("matching.candidates_page", _):
            return client.get(f"/staff/needs/{town.need}/candidates")
        case ("matching.propose", _):
            data = {**form, "volunteer_id": town.volunteer}
            return client.post(f"/staff/needs/{town.need}/proposals", data=data)
        case ("matching.proposal_step", _):
            return client.post(f"/staff/proposals/{town.proposal}/asked", data=form)
        case ("matching.volunteer_list", _):
            return client.get("/staff/volunteers")
        case ("matching.new_volunteer", _):
            return client.get("/staff/volunteers/new")
        case ("matching.create_volunteer", _):
            data = {**form, "label": "権限確認", "skills": "kaji", "lat": lat, "lon": lon}
            return client.post("/staff/volunteers/new", data=data)
        case ("matching.volunteer_page", _):
            return client.get(f"/staff/volunteers/{town.volunteer}")
        case ("matching.edit_volunteer", _):
            return client.get(f"/staff/volunteers/{town.volunteer}/edit")
        case ("matching.save_volunteer", _):
            data = {**form, "version": town.volunteer_version(), "label": "権限確認",
                    "skills": "kaji", "lat": lat, "lon": lon}  # fmt: skip
            return client.post(f"/staff/volunteers/{town.volunteer}/edit", data=data)
        case ("matching.redeem_points", _):
            data = {**form, "points": "1"}
            return client.post(f"/staff/volunteers/{town.volunteer}/points", data=data)
        case ("matching.batch_page", _):
            return client.get(f"/staff/batch?kind=kaji&area={area}")
        case ("matching.accept_batch", _):
            data = {**form, "pair": f"{town.need}:{town.volunteer}"}
            return client.post("/staff/batch", data=data)
        case ("matching_api.need_list", _):
            return client.get("/api/staff/needs?status=all")
        case ("matching_api.follow_ups", _):
            return client.get("/api/staff/needs/follow-ups")
        case ("matching_api.create_need", _):
            body = {"label": "権限確認", "kinds": ["kaji"], "lat": lat, "lon": lon}
            return client.post("/api/staff/needs", json=body, headers=headers)
        case ("matching_api.need", _):
            return client.get(f"/api/staff/needs/{town.need}")
        case ("matching_api.change_need", _):
            return client.patch(
                f"/api/staff/needs/{town.need}",
                json={"wishes": "権限確認"},
                headers={**headers, "If-Match": f'"{town.need_version()}"'},
            )
        case ("matching_api.change_need_status", _):
            body = {"follow_up_on": "2026-12-24"}
            return client.post(f"/api/staff/needs/{town.need}/status", json=body, headers=headers)
        case ("matching_api.candidates", _):
            return client.get(f"/api/staff/needs/{town.need}/candidates")
        case ("matching_api.propose", _):
            body = {"resource_id": rid}
            url = f"/api/staff/needs/{town.need}/proposals"
            return client.post(url, json=body, headers=headers)
        case (str() as name, _) if name.startswith("matching_api.proposal_"):
            step = name.removeprefix("matching_api.proposal_")
            case_id = _case_at(town, "accepted" if step == "done" else "proposed")
            return client.post(f"/api/staff/proposals/{case_id}/{step}", headers=headers)
        case ("matching_api.volunteer_list", _):
            return client.get("/api/staff/volunteers")
        case ("matching_api.create_volunteer", _):
            body = {"label": "権限確認", "skills": "kaji", "lat": lat, "lon": lon}
            return client.post("/api/staff/volunteers", json=body, headers=headers)
        case ("matching_api.volunteer", _):
            return client.get(f"/api/staff/volunteers/{town.volunteer}")
        case ("matching_api.change_volunteer", _):
            body = {"note": "権限確認", "version": town.volunteer_version()}
            url = f"/api/staff/volunteers/{town.volunteer}"
            return client.patch(url, json=body, headers=headers)
        case ("matching_api.redeem_points", _):
            _point_for(town)
            url = f"/api/staff/volunteers/{town.volunteer}/points"
            return client.post(url, json={"points": 1}, headers=headers)
        case ("matching_api.batch_proposal", _):
            body = {"kind": "kaji", "area": area}
            return client.post("/api/staff/batch", json=body, headers=headers)
        case ("matching.needs_csv", _):
            return client.get("/staff/needs.csv")
        case ("matching.volunteers_csv", _):
            return client.get("/staff/volunteers.csv")
        case ("matching.delete_need", _):
            data = {**form, "sure": "1"}
            return client.post(f"/staff/needs/{town.spare('need')}/delete", data=data)
        case ("matching.delete_volunteer", _):
            data = {**form, "sure": "1"}
            return client.post(f"/staff/volunteers/{town.spare('volunteer')}/delete", data=data)
        case ("matching_api.delete_need", _):
            return client.delete(f"/api/staff/needs/{town.spare('need')}", headers=headers)
        case ("matching_api.delete_volunteer", _):
            return client.delete(
                f"/api/staff/volunteers/{town.spare('volunteer')}", headers=headers
            )
    raise AssertionError(f"no request for {endpoint} {method}")


AREA_FORM = {"target": "new", "layer": "3", "kind": "確認用の区域"}


def _resource_file(lat: float, lon: float, key: str) -> tuple[io.BytesIO, str]:
    text = f"出典,出典ID,種別,名称,緯度,経度\r\n権限確認,{key},salon,確認用サロン,{lat},{lon}\r\n"
    return io.BytesIO(text.encode("utf-8")), "matrix.csv"


def _area_file(lat: float, lon: float) -> tuple[io.BytesIO, str]:
    square = box(lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001)
    feature = {"type": "Feature", "properties": {"name": "確認区"}, "geometry": mapping(square)}
    body = json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False)
    return io.BytesIO(body.encode("utf-8")), "matrix.geojson"


def _upload(client, url: str, form: dict, file: tuple[io.BytesIO, str]):
    data = {**form, "file": file}
    return client.post(url, data=data, content_type="multipart/form-data")


def _confirm(client, url: str, form: dict, file, fields: dict):
    """Check a file, then confirm it with the page's own upload token (none when refused)."""
    page = _upload(client, url, {**form, **fields}, file).get_data(as_text=True)
    found = re.search(r'name="upload" value="([^"]+)"', page)
    upload = found.group(1) if found else ""
    return client.post(f"{url}/confirm", data={**form, "upload": upload})


def _outcome(response, endpoint: str) -> str:
    status = response.status_code
    if status == 401 or (
        status == 302 and "/staff/login" in response.headers.get("Location", "")
        and endpoint != "staff.sign_out"
    ):  # fmt: skip
        return LOGIN
    if status == 403:
        return REFUSED
    if status == 404:
        return NOT_FOUND
    if endpoint == "staff.sign_in" and status == 401:
        return OK
    return OK if status < 400 else f"status {status}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_route_answers_each_role_as_the_matrix_says(staff_app, persona, monkeypatch):
    monkeypatch.setattr(suggest, "MIN_SECONDS", 0)
    town = Town(staff_app)
    client = staff_app.test_client()
    token = sign_in(client, persona) if persona != "anonymous" else ""
    if persona == "anonymous":
        client.get("/staff/login")  # a session with a CSRF token, as a browser would have
        with client.session_transaction() as session:
            token = session["csrf"]
    wrong = []
    for (endpoint, method), expected in MATRIX.items():
        if endpoint == "staff.sign_out":
            continue  # asked last: it ends the session
        answer = _outcome(_ask(client, town, endpoint, method, token), endpoint)
        if endpoint == "staff.sign_in" and method == "POST":
            answer = OK  # a wrong password is answered 401 to everyone, by design
        if answer != expected[persona]:
            wrong.append(f"{endpoint} {method}: {answer}, expected {expected[persona]}")
    answer = _outcome(_ask(client, town, "staff.sign_out", "POST", token), "staff.sign_out")
    assert answer == OK
    assert not wrong, "\n".join(wrong)
    if persona in ("viewer", "coord_b"):
        with get_storage(staff_app).reading() as session:
            refusals = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "refused")
            ).all()
        assert refusals and all(r.login == persona for r in refusals)


def test_tokens_are_for_the_staff_api_only(staff_app, cli_on_staff):
    token = cli_on_staff("create-token", "coord_a").stdout.strip()
    client = staff_app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/staff/review", headers=bearer).status_code == 200
    # A token is not a session: staff pages still ask to sign in.
    page = client.get("/staff/", headers=bearer)
    assert page.status_code == 302 and "/staff/login" in page.headers["Location"]


def test_a_coordinator_cannot_move_a_resource_out_of_their_areas(staff_app):
    client = staff_app.test_client()
    token = sign_in(client, "coord_a")
    rid = resource_in(staff_app, AREA_A, kind="salon").id
    elsewhere = resource_in(staff_app, AREA_B)
    version = client.get(f"/api/staff/resources/{rid}").get_json()["version"]
    moved = client.patch(
        f"/api/staff/resources/{rid}",
        json={"lat": elsewhere.lat, "lon": elsewhere.lon},
        headers={"X-CSRF-Token": token, "If-Match": f'"{version}"'},
    )
    assert moved.status_code == 403
    assert "担当区域" in moved.get_json()["error"]["message"]
    assert client.get(f"/api/staff/resources/{rid}").get_json()["version"] == version


def test_an_expired_session_asks_to_sign_in_again(staff_app, monkeypatch):
    client = staff_app.test_client()
    sign_in(client, "viewer")
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        held = session["staff"]
        held["seen"] -= dt.timedelta(minutes=staff_app.config["STAFF_IDLE_MINUTES"] + 1).seconds
        session["staff"] = held
    page = client.get("/staff/")
    assert page.status_code == 302 and "/staff/login" in page.headers["Location"]
