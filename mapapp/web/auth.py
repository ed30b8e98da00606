"""Who is asking: a staff session (a signed cookie) or an API token, checked on every request
that needs one; CSRF on every form and on session calls to the staff API.

The public site sets no cookie: the session cookie is written only when someone signs in.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import secrets

from flask import abort, current_app, g, redirect, request, session, url_for

from mapapp import audit
from mapapp.accounts import Staff, account_for_token, staff_of
from mapapp.models import Account, utcnow
from mapapp.permissions import Action, allowed
from mapapp.storage import get_storage

SESSION_KEY = "staff"
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STAFF_PREFIXES = ("/staff", "/api/staff")


class Unauthenticated(Exception):
    """No valid session or token; ``message`` says why, in Japanese."""

    def __init__(self, message: str = "ログインしてください。"):
        super().__init__(message)
        self.message = message


class Refused(Exception):
    """Signed in, but not allowed to do this here."""

    def __init__(self, message: str = "この操作をする権限がありません。"):
        super().__init__(message)
        self.message = message


def init_app(app) -> None:
    secure = app.config.get("SECURE_COOKIES", "")
    if secure in ("", None):
        secure = app.config.get("PUBLIC_URL", "").startswith("https://")
    else:
        secure = str(secure).strip().lower() in ("1", "true", "yes", "on")
    app.config.update(
        SESSION_COOKIE_NAME="mapapp_staff",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=app.config["STAFF_SESSION_HOURS"]),
    )
    app.before_request(_check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_staff"] = current_staff


def client_ip() -> str:
    return (request.remote_addr or "")[:64]


# --- who is asking --------------------------------------------------------------------------


def current_staff() -> Staff | None:
    """The staff member making this request, or None; read once per request."""
    if "staff" not in g:
        g.staff = _from_token() if _bearer() is not None else _from_session()
    return g.staff


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _from_token() -> Staff | None:
    if not request.path.startswith("/api/staff"):
        return None  # tokens are for the staff API only, never for pages
    with get_storage(current_app).transaction() as db:
        account = account_for_token(db, _bearer() or "")
        if account is None:
            g.auth_problem = "トークンが正しくないか、期限が切れているか、取り消されています。"
            return None
        return staff_of(db, account)


def _from_session() -> Staff | None:
    held = session.get(SESSION_KEY)
    if not isinstance(held, dict) or not isinstance(held.get("id"), int):
        return None
    now = utcnow()
    signed_at = dt.datetime.fromtimestamp(held.get("signed_at", 0), dt.UTC).replace(tzinfo=None)
    seen = dt.datetime.fromtimestamp(held.get("seen", 0), dt.UTC).replace(tzinfo=None)
    idle = dt.timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    longest = dt.timedelta(hours=current_app.config["STAFF_SESSION_HOURS"])
    if now - seen > idle or now - signed_at > longest:
        session.pop(SESSION_KEY, None)
        g.auth_problem = (
            "しばらく操作がなかったため、ログアウトしました。もう一度ログインしてください。"
        )
        return None
    with get_storage(current_app).reading() as db:
        account = db.get(Account, held["id"])
        if account is None or not account.active or account.sessions_after > signed_at:
            session.pop(SESSION_KEY, None)
            g.auth_problem = "ログインし直してください。"
            return None
        staff = staff_of(db, account)
    if (now - seen).total_seconds() > 60:  # refresh the idle clock at most once a minute
        held["seen"] = now.replace(tzinfo=dt.UTC).timestamp()
        session[SESSION_KEY] = held
    return staff


def begin_session(account: Account) -> None:
    """A fresh session for the account: a new cookie and a new CSRF token (no fixation)."""
    session.clear()
    now = utcnow().replace(tzinfo=dt.UTC).timestamp()
    session[SESSION_KEY] = {"id": account.id, "signed_at": now, "seen": now}
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    session.permanent = True
    g.pop("staff", None)


def end_session() -> None:
    session.clear()
    g.staff = None


# --- CSRF -----------------------------------------------------------------------------------


def csrf_token() -> str:
    """The session's CSRF token, for forms and the pages' scripts (staff pages only)."""
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(32)
    return session[CSRF_KEY]


def _check_csrf():
    """Refuse a state-changing request another site could have made: cross-site by the
    browser's own Fetch Metadata, and, for cookie sessions, without the session's token.
    API calls with a bearer token carry no cookie and need no token."""
    if request.method in SAFE_METHODS:
        return None
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403, description="csrf")
    if not request.path.startswith(STAFF_PREFIXES) or _bearer() is not None:
        return None
    if SESSION_KEY not in session and request.endpoint != "staff.sign_in":
        return None  # no session, no authority to borrow: the view answers 401
    expected = session.get(CSRF_KEY)
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(str(expected), str(given)):
        abort(403, description="csrf")
    return None


# --- the check every staff route makes ------------------------------------------------------


def require(action: Action):
    """Let the view run only for someone allowed ``action`` somewhere; the view checks the
    thing's own areas with :func:`require_areas`."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                raise Unauthenticated(g.get("auth_problem") or "ログインしてください。")
            if not allowed(staff, action):
                refuse(staff, action)
            return view(*args, **kwargs)

        wrapped.required_action = action  # read by the authorization matrix test
        return wrapped

    return decorate


def require_areas(action: Action, areas, *, entity: str = "", entity_id: int | None = None):
    """Refuse (and log) unless the current staff may do ``action`` to a thing in ``areas``."""
    staff = current_staff()
    if not allowed(staff, action, areas):
        refuse(staff, action, entity=entity, entity_id=entity_id)
    return staff


def refuse(staff: Staff | None, action: Action, *, entity: str = "", entity_id=None):
    with get_storage(current_app).transaction() as db:
        audit.record(
            db,
            staff,
            "refused",
            entity=entity,
            entity_id=entity_id,
            ip=client_ip(),
            detail=f"{request.method} {request.path[:200]} ({action.value})",
        )
    raise Refused()


def sign_in_page():
    return redirect(url_for("staff.sign_in", next=request.full_path.rstrip("?")))
