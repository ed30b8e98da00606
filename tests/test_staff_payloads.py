"""Hostile text (our own, and ../shared/security/payloads.txt when it is there) typed by staff
into every text field of the edit form and the staff API, and sent by residents through the correction form: it is kept as
the text it is and shown as text everywhere it comes back (the public page, the staff edit
page, the history, the corrections queue, the CSV and xlsx exports), never as markup, script
or a spreadsheet formula; what validation refuses is refused in Japanese, never with a 500.
The last test opens those pages in Chromium and checks that no payload runs."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import select

from mapapp import corrections, editing
from mapapp.exporting import FORMULA_STARTS, export_resources
from mapapp.history import FIELD_LABELS
from mapapp.importing.fields import FieldProblem, parse_contact, parse_url
from mapapp.models import Resource, Suggestion
from mapapp.storage import get_storage
from mapapp.web import suggest
from tests.browser_helpers import chromium
from tests.conftest import PAYLOADS, STAFF_PASSWORD, payloads
from tests.staff_helpers import resources_in, send_correction, serve_staff, sign_in

# Every free-text field of a resource, in the order of the edit form.
TEXT_FIELDS = (
    "name", "kana", "organization", "venue", "address", "schedule_text", "closed_text",
    "fee_text", "target_text", "public_contact", "url", "description", "tags",
)  # fmt: skip
# Fields an unreadable value is refused in (400 naming the field) rather than kept as text.
CHECKED_FIELDS = {"url": parse_url, "public_contact": parse_contact}


def _fields_for(payload: str, fields=TEXT_FIELDS) -> dict[str, str]:
    """The payload in every field that keeps any text, and in the checked ones when they can
    read it (a readable payload must still come out as text)."""
    chosen = {}
    for name in fields:
        check = CHECKED_FIELDS.get(name)
        if check is not None:
            try:
                if not check(payload)[0]:
                    continue
            except FieldProblem:
                continue
        chosen[name] = payload
    return chosen


# What a resident may write in the correction form as text (種別 and 状態 are choices).
CORRECTION_FIELDS = tuple(f for f in corrections.CORRECTABLE if f not in ("kind", "status"))
# Shown on the public page as written (kana, contact, url and tags are shown in other forms).
PUBLIC_FIELDS = (
    "name", "organization", "venue", "address", "schedule_text", "closed_text", "fee_text",
    "target_text", "description",
)  # fmt: skip
# Markup that only a payload could have put into a page: the site itself writes none of it.
NEVER_IN_A_PAGE = (
    "<script>alert", "<img src=x", "<iframe", "<object", "<embed", "<base ", "<svg",
    'http-equiv="refresh"', "<math>", "<body onload", "<details open", "<input autofocus",
)  # fmt: skip
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


class Tags(HTMLParser):
    """The elements of a page as a browser's tokenizer sees them (script bodies are text)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_inert(html: str, where: str) -> None:
    """No element, attribute or URL in ``html`` that a payload could have made."""
    lowered = html.lower()
    for bad in NEVER_IN_A_PAGE:
        assert bad.lower() not in lowered, f"{where}: {bad!r} unescaped"
    bodies = 0
    for tag, attrs in Tags(html).found:
        bodies += tag == "body"
        assert tag not in {"iframe", "object", "embed", "base", "math", "svg"}, (where, tag)
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"{where}: <{tag} {handlers}>"
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/") or "nonce" in attrs, (where, attrs)
        if tag == "img":
            assert attrs.get("src") != "x", where
        for name in ("href", "src", "action", "formaction", "data"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:text/html")), (where, tag, value)
    assert bodies == 1, where


def assert_shown(html: str, value: str, where: str) -> None:
    """``value`` is in the page as escaped text (as Jinja escapes it)."""
    if value.strip():
        assert str(escape(value)) in html, f"{where}: {value!r} not shown as text"


def _no_wait(monkeypatch, app) -> None:
    monkeypatch.setattr(suggest, "MIN_SECONDS", 0)
    app.config["CORRECTIONS_PER_HOUR"] = 10_000  # one sender sends every payload


# Hostile text kept in the repository, so that a clone alone tests every channel; the longer
# list in ../shared/security/payloads.txt is added where it lies beside the checkout.
OWN_PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    '=HYPERLINK("http://example.com","x")',
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "'; DROP TABLE resource; --",
    "\u202eevil\u202c",
    "<svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
)


def hostile_texts() -> list[str]:
    shared = payloads() if PAYLOADS.exists() else []
    return list(OWN_PAYLOADS) + [p for p in shared if p not in OWN_PAYLOADS]


@pytest.fixture
def hostile():
    return hostile_texts()


def _targets(app, count: int) -> list[int]:
    """``count`` resources of the town with a point of their own (not private homes)."""
    with get_storage(app).reading() as session:
        ids = list(
            session.scalars(
                select(Resource.id)
                .where(Resource.location_precision == "exact", Resource.lat.is_not(None))
                .order_by(Resource.id)
                .limit(count)
            )
        )
    assert len(ids) == count, "the demo town has a resource for every payload"
    return ids


def _stored(client, rid: int) -> dict:
    answer = client.get(f"/api/staff/resources/{rid}")
    assert answer.status_code == 200
    return answer.get_json()


def _version(client, rid: int) -> int:
    return _stored(client, rid)["version"]


def _check_pages(client, rid: int, payload: str, fields=TEXT_FIELDS) -> dict[str, str]:
    """The resource's public page, edit page and history show the saved texts as text."""
    stored = _stored(client, rid)["fields"]
    public = client.get(f"/resources/{rid}")
    edit = client.get(f"/staff/resources/{rid}/edit")
    history = client.get(f"/staff/resources/{rid}/history")
    for answer in (public, edit, history):
        assert answer.status_code == 200
    public, edit, history = (a.get_data(as_text=True) for a in (public, edit, history))
    for where, html in (("public", public), ("edit", edit), ("history", history)):
        assert_inert(html, f"{where} {payload!r}")
    for name in fields:
        assert_shown(edit, stored[name], f"edit {name} {payload!r}")
    for name in set(fields) & set(PUBLIC_FIELDS):
        assert_shown(public, stored[name], f"public {name} {payload!r}")
    for tag in filter(None, stored["tags"].split("、")):
        assert_shown(public, tag, f"public tag {payload!r}")
    assert_shown(history, stored["name"], f"history {payload!r}")
    return stored


def _check_exports(app, expected_names: list[str]) -> None:
    """CSV and xlsx: every payload is there, and no cell starts like a formula."""
    taxonomy = app.extensions["mapapp.taxonomy"]
    with get_storage(app).reading() as session:
        as_csv = export_resources(session, "csv", taxonomy=taxonomy)
        as_xlsx = export_resources(session, "xlsx", taxonomy=taxonomy)
    rows = list(csv.reader(io.StringIO(as_csv.decode("utf-8-sig"), newline="")))
    sheet = load_workbook(io.BytesIO(as_xlsx)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no formula in the xlsx"
    texts = [("csv", v) for row in rows for v in row]
    texts += [("xlsx", c.value) for c in cells if isinstance(c.value, str)]
    risky = [(kind, v) for kind, v in texts if v.startswith(FORMULA_STARTS) and not _number(v)]
    assert risky == []
    for name in expected_names:
        written = name if not name.startswith(FORMULA_STARTS) else "'" + name
        assert any(written in row for row in rows), f"csv lacks {written!r}"
        assert any(c.value == written for c in cells), f"xlsx lacks {written!r}"


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _refused_in_japanese(answer, where: str) -> None:
    assert answer.status_code != 500, where
    if answer.status_code >= 400:
        assert answer.status_code in (400, 403, 409, 428), where
        body = answer.get_data(as_text=True)
        assert JAPANESE.search(body), where


# --- (a) the staff edit form -------------------------------------------------------------------


def test_payloads_saved_through_the_edit_form_stay_text(staff_app, hostile):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    names = []
    for rid, payload in zip(_targets(staff_app, len(hostile)), hostile, strict=True):
        form = _fields_for(payload)
        saved = client.post(
            f"/staff/resources/{rid}/edit",
            data={**form, "csrf_token": token, "version": _version(client, rid)},
        )
        _refused_in_japanese(saved, f"form {payload!r}")
        assert saved.status_code == 302, (payload, saved.get_data(as_text=True)[:2000])
        stored = _check_pages(client, rid, payload)
        names.append(stored["name"])
        # Kept as typed (normalised as imports normalise a line), not as markup or blank.
        assert stored["description"] == payload.strip() or payload.startswith("\t")
    _check_exports(staff_app, names)


# --- (b) the staff API -------------------------------------------------------------------------


def test_payloads_saved_through_the_staff_api_stay_text(staff_app, hostile):
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    names = []
    for rid, payload in zip(_targets(staff_app, len(hostile)), hostile, strict=True):
        answer = client.patch(
            f"/api/staff/resources/{rid}",
            json=_fields_for(payload),
            headers={"X-CSRF-Token": token, "If-Match": f'"{_version(client, rid)}"'},
        )
        _refused_in_japanese(answer, f"api {payload!r}")
        assert answer.status_code == 200, (payload, answer.get_json())
        assert answer.headers["Content-Type"].startswith("application/json")
        stored = _check_pages(client, rid, payload)
        assert answer.get_json()["fields"] == stored
        names.append(stored["name"])
    _check_exports(staff_app, names)


# --- (c) the residents' correction form, the queue, approval -----------------------------------


def test_payloads_sent_as_corrections_stay_text_in_the_queue_and_once_approved(
    staff_app, hostile, monkeypatch
):
    _no_wait(monkeypatch, staff_app)
    resident = staff_app.test_client()
    targets = _targets(staff_app, len(hostile))
    for rid, payload in zip(targets, hostile, strict=True):
        url = f"/resources/{rid}/correction"
        sent = send_correction(resident, url, **_fields_for(payload, CORRECTION_FIELDS),
                               message=payload, contact=payload)  # fmt: skip
        _refused_in_japanese(sent, f"correction {payload!r}")
        assert sent.status_code == 200 and "ありがとうございました" in sent.get_data(as_text=True)
        assert_inert(sent.get_data(as_text=True), f"sent {payload!r}")
        # Not public until approved.
        public = resident.get(f"/resources/{rid}").get_data(as_text=True)
        assert_inert(public, f"public before approval {payload!r}")

    staff = staff_app.test_client()
    token = sign_in(staff, "admin")
    queue = staff.get("/staff/corrections")
    assert queue.status_code == 200
    queue = queue.get_data(as_text=True)
    assert_inert(queue, "corrections queue")
    with get_storage(staff_app).reading() as session:
        waiting = list(session.scalars(select(Suggestion).order_by(Suggestion.id)))
    assert len(waiting) == len(hostile)
    for suggestion, payload in zip(waiting, hostile, strict=True):
        for value in corrections.proposed_fields(suggestion).values():
            assert_shown(queue, value, f"queue {payload!r}")
        assert_shown(queue, suggestion.message, f"queue message {payload!r}")
        assert_shown(queue, suggestion.sender_contact, f"queue contact {payload!r}")
    api = staff.get("/api/staff/corrections").get_json()["items"]
    assert len(api) == len(hostile)

    names = []
    for suggestion, payload in zip(waiting, hostile, strict=True):
        approved = staff.post(
            f"/staff/corrections/{suggestion.id}/approve", data={"csrf_token": token}
        )
        assert approved.status_code == 302, payload
        assert "/staff/resources/" in approved.headers["Location"], payload  # not 反映できません
        stored = _check_pages(staff, suggestion.resource_id, payload, CORRECTION_FIELDS)
        names.append(stored["name"])
    assert staff.get("/api/staff/corrections").get_json()["items"] == []
    _check_exports(staff_app, names)


# --- what validation refuses ---------------------------------------------------------------


def test_refused_payloads_come_back_in_japanese_as_text(staff_app, hostile, monkeypatch):
    """Every field at once (種別, 緯度, dates and choices too): refused with the reasons in
    Japanese, the typed values shown back as text, never a 500."""
    _no_wait(monkeypatch, staff_app)
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    rid = _targets(staff_app, 1)[0]
    version = _version(client, rid)
    for payload in hostile:
        form = dict.fromkeys(FIELD_LABELS, payload)
        answer = client.post(
            f"/staff/resources/{rid}/edit", data={**form, "csrf_token": token, "version": version}
        )
        assert answer.status_code == 400, payload
        html = answer.get_data(as_text=True)
        assert "保存できませんでした" in html and JAPANESE.search(html)
        assert_inert(html, f"refused form {payload!r}")
        assert_shown(html, payload, f"refused form {payload!r}")

        api = client.patch(
            f"/api/staff/resources/{rid}",
            json=form,
            headers={"X-CSRF-Token": token, "If-Match": f'"{version}"'},
        )
        assert api.status_code == 400, payload
        error = api.get_json()["error"]
        assert error["code"] == "invalid_fields" and JAPANESE.search(error["message"])
        assert set(error["fields"]) <= set(FIELD_LABELS)

        # Too long for the correction form: refused in Japanese, the text kept as text.
        long = "あ" + payload + "あ" * corrections.MAX_FIELD_CHARS
        sent = send_correction(client, f"/resources/{rid}/correction", description=long)
        assert sent.status_code == 400, payload
        html = sent.get_data(as_text=True)
        assert "送れませんでした" in html and "長すぎます" in html
        assert_inert(html, f"refused correction {payload!r}")

        # A save over an old version: refused, both people's values shown as text.
        stale = client.post(
            f"/staff/resources/{rid}/edit",
            data={"name": payload, "csrf_token": token, "version": version - 1 or -1},
        )
        assert stale.status_code in (400, 409), payload
        assert_inert(stale.get_data(as_text=True), f"stale form {payload!r}")
    assert _version(client, rid) == version, "nothing refused was written"


def test_a_bad_web_address_is_refused_not_silently_blanked(staff_app):
    """The import leaves a bad URL out with a warning; an editor typing one should be told
    (400 naming the field), and the address that was there should stay."""
    client = staff_app.test_client()
    token = sign_in(client, "admin")
    rid = _targets(staff_app, 1)[0]

    def patch(url: str):
        headers = {"X-CSRF-Token": token, "If-Match": f'"{_version(client, rid)}"'}
        return client.patch(f"/api/staff/resources/{rid}", json={"url": url}, headers=headers)

    assert patch("https://salon.example.jp/").status_code == 200
    answer = patch('<a href="javascript:alert(1)">x</a>')
    assert _stored(client, rid)["fields"]["url"] == "https://salon.example.jp/"
    assert answer.status_code == 400 and "url" in answer.get_json()["error"]["fields"]


# --- in Chromium: nothing runs -----------------------------------------------------------------


@pytest.mark.slow
def test_no_payload_runs_in_chromium(staff_template, tmp_path, monkeypatch):
    hostile = hostile_texts()
    monkeypatch.setattr(suggest, "MIN_SECONDS", 0)
    server, app, site = serve_staff(staff_template, tmp_path, CORRECTIONS_PER_HOUR=10_000)
    taxonomy = app.extensions["mapapp.taxonomy"]
    targets = _targets(app, len(hostile))
    storage = get_storage(app)
    # One resource per payload in every text field; one resource saved with every payload in
    # turn (its history holds them all); every payload waiting as a correction of it.
    with storage.transaction() as session:
        for rid, payload in zip(targets, hostile, strict=True):
            editing.save_resource(
                session, taxonomy, _fields_for(payload),
                resource_id=rid, based_on=session.get(Resource, rid).version,
            )  # fmt: skip
    every = resources_in(app, "中央地区", kind="salon")[-1].id
    with storage.transaction() as session:
        for n, payload in enumerate(hostile):
            editing.save_resource(
                session, taxonomy, {"description": payload, "fee_text": f"{n}円 {payload}"},
                resource_id=every, based_on=session.get(Resource, every).version,
            )  # fmt: skip
            corrections.submit(
                session, resource_id=every, proposed=dict.fromkeys(CORRECTION_FIELDS, payload),
                message=payload, contact=payload, key="k", per_hour=10_000,
            )  # fmt: skip
    pages = [
        "/staff/corrections", f"/staff/resources/{every}/history", "/staff/resources",
        f"/staff/resources/{every}/edit", "/search?q=alert",
    ]  # fmt: skip
    # The pages above hold every payload; of the pages of one resource, a sample (the same
    # pages are read for every payload without a browser in the tests above).
    pages += [f"/resources/{rid}" for rid in (every, *targets[::4])]
    pages += [f"/staff/resources/{rid}/edit" for rid in targets[1::11]]
    pages += [f"/resources/{rid}/correction" for rid in targets[2::11]]
    dialogs: list[str] = []
    errors: list[str] = []
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="ja-JP")
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{site}/staff/login")
            page.get_by_label("ログイン名").fill("admin")
            page.get_by_label("パスワード").fill(STAFF_PASSWORD)
            page.get_by_role("button", name="ログイン").click()
            page.wait_for_url(f"{site}/staff/")
            made = {}
            for n, path in enumerate(pages):
                # The pages that hold every payload are let finish loading (an image's
                # onerror fires then); of the rest, the DOM is what counts.
                page.goto(site + path, wait_until="load" if n < 5 else "domcontentloaded")
                page.wait_for_selector("html[data-ready]", state="attached")
                made[path] = page.evaluate(MADE_BY_A_PAYLOAD)
            # The edit form reads the schedule back as it is typed: as text, too.
            page.goto(f"{site}/staff/resources/{every}/edit")
            for payload in hostile[:4]:
                page.locator("#f-schedule_text").fill(payload)
                with page.expect_response("**/api/staff/schedule-reading"):
                    page.locator("#f-schedule_text").press("End")
            made["reading"] = page.evaluate(MADE_BY_A_PAYLOAD)
            queue_text = ""
            page.goto(f"{site}/staff/corrections")
            queue_text = page.locator("main").inner_text()
    finally:
        server.shutdown()
        storage.dispose()
    assert dialogs == []
    assert errors == []
    assert {path: found for path, found in made.items() if found} == {}
    assert "<script>alert(1)</script>" in queue_text and "{{7*7}}" in queue_text


# Elements and attributes in the live DOM that only a payload would have made.
MADE_BY_A_PAYLOAD = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.getAttributeNames()) {
      if (attr.startsWith('on')) found.push(el.tagName + ' ' + attr);
    }
  }
  const bad = 'iframe, object, embed, base, math, svg, img[src="x"], meta[http-equiv]';
  for (const el of document.querySelectorAll(bad)) {
    if (!el.closest('.leaflet-control-attribution')) found.push(el.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll('script:not([src])')) {
    if (!el.nonce && !el.getAttribute('nonce')) found.push('inline script');
  }
  for (const el of document.querySelectorAll('[href], [src], [action]')) {
    const url = (el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action'));
    if (/^\\s*javascript:/i.test(url)) found.push(el.tagName + ' ' + url);
  }
  if (document.body.querySelectorAll('body').length) found.push('nested body');
  return found;
}"""
