"""Accounts: the first admin from the command line, hashed passwords, sign-in limited per
account and per address, sessions that end, the audit of sign-ins and refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mapapp import accounts
from mapapp.models import Account, AccountArea, AuditEntry, Role
from mapapp.storage import get_storage
from tests.conftest import STAFF_PASSWORD
from tests.staff_helpers import area_id, csrf_of, sign_in


def test_create_user_from_the_command_line(cli, storage):
    assert cli("demo").exit_code == 0
    result = cli(
        "create-user", "Sato", "--role", "coordinator", "--area", "東部", "--area", "西山地区",
        "--password-stdin", input="a long enough pass\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sato（コーディネーター）" in result.output
    with storage.reading() as session:
        account = session.scalar(select(Account).where(Account.login == "sato"))
        areas = session.scalars(
            select(AccountArea.area_id).where(AccountArea.account_id == account.id)
        ).all()
        assert account.role == Role.COORDINATOR
        assert account.password_hash.startswith("scrypt:")
        assert "a long enough pass" not in account.password_hash
    assert len(areas) == 2

    for args, message in (
        (("sato", "--role", "admin", "--password-stdin"), "もう使われています"),
        (("x", "--role", "admin", "--password-stdin"), "10 文字以上"),
        (("x", "--role", "boss", "--password-stdin"), "役割「boss」はありません"),
        (("x", "--role", "coordinator", "--password-stdin"), "担当区域を1つ以上"),
        (
            ("x", "--role", "coordinator", "--area", "月面", "--password-stdin"),
            "登録されていません",
        ),
        (("x", "--role", "admin"), "--password-stdin"),
        (("ユーザー", "--role", "admin", "--password-stdin"), "ログイン名は半角"),
    ):
        refused = cli("create-user", *args, input="short\n" if "x" in args else "long password 1\n")
        assert refused.exit_code == 2, (args, refused.output)
        assert message in refused.output, refused.output
        assert "Traceback" not in refused.output


def test_signing_in_is_limited_per_account_and_per_address(staff_app):
    client = staff_app.test_client()
    token = csrf_of(client)
    for _ in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        wrong = client.post(
            "/staff/login", data={"login": "viewer", "password": "wrong wrong", "csrf_token": token}
        )
        assert wrong.status_code == 401
        assert "ログイン名かパスワードが違います" in wrong.get_data(as_text=True)
    # Now even the right password waits: guessing cannot go on.
    locked = client.post(
        "/staff/login", data={"login": "viewer", "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert locked.status_code == 401 and "しばらく受け付けません" in locked.get_data(as_text=True)
    # Another account from the same address still may, until the address's own limit.
    assert sign_in(staff_app.test_client(), "admin")

    storage = get_storage(staff_app)
    with storage.transaction() as session:
        for n in range(accounts.MAX_FAILURES_PER_ADDRESS):
            with pytest.raises(accounts.SignInRefused):
                accounts.sign_in(session, f"someone{n}", "nope nope", "10.0.0.9")
        with pytest.raises(accounts.SignInRefused) as caught:
            accounts.sign_in(session, "admin", STAFF_PASSWORD, "10.0.0.9")
        assert caught.value.reason == "rate_limited"
    with storage.reading() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("sign_in_refused") >= accounts.MAX_FAILURES_PER_ACCOUNT
    assert "sign_in" in actions


def test_a_new_password_or_a_stopped_account_ends_its_sessions(staff_app):
    client = staff_app.test_client()
    sign_in(client, "viewer")
    assert client.get("/staff/").status_code == 200
    storage = get_storage(staff_app)
    with storage.transaction() as session:
        account = accounts.find_account(session, "viewer")
        accounts.set_password(session, account, "another long password")
    assert client.get("/staff/").status_code == 302

    admin = staff_app.test_client()
    token = sign_in(admin, "admin")
    other = staff_app.test_client()
    sign_in(other, "coord_b")
    with storage.reading() as session:
        coord_b = accounts.find_account(session, "coord_b").id
    stopped = admin.post(
        f"/staff/accounts/{coord_b}/active", data={"csrf_token": token, "active": "0"}
    )
    assert stopped.status_code == 302
    assert other.get("/staff/").status_code == 302
    page = staff_app.test_client()
    answer = page.post(
        "/staff/login",
        data={"login": "coord_b", "password": STAFF_PASSWORD, "csrf_token": csrf_of(page)},
    )
    assert answer.status_code == 401
    assert "使えなくなっています" in answer.get_data(as_text=True)


def test_admins_make_accounts_in_the_browser(staff_app):
    admin = staff_app.test_client()
    token = sign_in(admin, "admin")
    made = admin.post(
        "/staff/accounts",
        data={"csrf_token": token, "login": "tanaka", "name": "田中", "password": STAFF_PASSWORD,
              "role": "coordinator", "area": [str(area_id(staff_app, "川北地区"))]},
    )  # fmt: skip
    assert made.status_code == 302
    assert "アカウントを作りました" in admin.get("/staff/accounts").get_data(as_text=True)
    assert sign_in(staff_app.test_client(), "tanaka")
    duplicate = admin.post(
        "/staff/accounts",
        data={"csrf_token": token, "login": "tanaka", "password": STAFF_PASSWORD, "role": "viewer"},
        follow_redirects=True,
    )
    assert "もう使われています" in duplicate.get_data(as_text=True)


def test_sign_in_goes_back_only_to_this_site(staff_app):
    client = staff_app.test_client()
    token = csrf_of(client)
    for target, expected in (
        ("/staff/review", "/staff/review"),
        ("https://evil.example/", "/staff/"),
        ("//evil.example/", "/staff/"),
        ("/\\evil.example", "/staff/"),
    ):
        client = staff_app.test_client()
        token = csrf_of(client)
        answer = client.post(
            "/staff/login",
            query_string={"next": target},
            data={"login": "viewer", "password": STAFF_PASSWORD, "csrf_token": token},
        )
        assert answer.headers["Location"] == expected, target


def test_the_session_cookie_is_http_only_and_the_public_site_sets_none(staff_app):
    client = staff_app.test_client()
    assert "Set-Cookie" not in client.get("/").headers
    page = client.get("/staff/login")
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert page.headers["Cache-Control"] == "no-store"


def test_admins_change_roles_areas_and_passwords_in_the_browser(staff_app):
    admin = staff_app.test_client()
    token = sign_in(admin, "admin")
    with get_storage(staff_app).reading() as session:
        viewer = accounts.find_account(session, "viewer").id
    other = staff_app.test_client()
    sign_in(other, "viewer")
    no_area = admin.post(
        f"/staff/accounts/{viewer}", data={"csrf_token": token, "role": "coordinator"},
        follow_redirects=True,
    )  # fmt: skip
    assert "担当区域を1つ以上" in no_area.get_data(as_text=True)
    changed = admin.post(
        f"/staff/accounts/{viewer}",
        data={"csrf_token": token, "role": "coordinator", "area": [str(area_id(staff_app, "川北地区"))],
              "password": "a brand new password"},
    )  # fmt: skip
    assert changed.status_code == 302
    assert other.get("/staff/").status_code == 302  # its session ended with the change
    with get_storage(staff_app).reading() as session:
        account = accounts.find_account(session, "viewer")
        assert account.role == Role.COORDINATOR
        assert [a.name for a in account.areas] == ["川北地区"]
    fresh = staff_app.test_client()
    answer = fresh.post(
        "/staff/login",
        data={"login": "viewer", "password": "a brand new password", "csrf_token": csrf_of(fresh)},
    )
    assert answer.status_code == 302


def test_set_password_from_the_command_line(staff_app, cli_on_staff):
    done = cli_on_staff("set-password", "viewer", "--password-stdin", input="another long one\n")
    assert done.exit_code == 0, done.output
    short = cli_on_staff("set-password", "viewer", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "10 文字以上" in short.output
    client = staff_app.test_client()
    answer = client.post(
        "/staff/login",
        data={"login": "viewer", "password": "another long one", "csrf_token": csrf_of(client)},
    )
    assert answer.status_code == 302
