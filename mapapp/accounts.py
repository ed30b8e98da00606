"""Staff accounts: creating them, passwords, signing in with a limit on guessing, API tokens.

Passwords are hashed with scrypt (werkzeug.security, salted, its current parameters); a hash
made with older parameters is replaced at the next sign-in. Tokens are random 256-bit values
shown once; only their SHA-256 digest is stored, so a copy of the database cannot be used to
call the API.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from mapapp.models import (
    ROLE_LABELS,
    Account,
    AccountArea,
    ApiToken,
    Area,
    Layer,
    Role,
    SignInAttempt,
    utcnow,
)
from mapapp.text import normalize_line, search_key

__all__ = ["ROLE_LABELS", "Role", "Staff", "AccountProblem", "SignInRefused"]

HASH_METHOD = "scrypt"
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 200
LOGIN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789._-@"
MAX_LOGIN_CHARS = 60

# Guessing is limited per account and per address over a sliding window; a refused attempt is
# not checked against the password at all (and says when to try again).
WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
# A hash of a password nobody has, checked when the login does not exist, so that an unknown
# login takes as long to refuse as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method=HASH_METHOD)


class AccountProblem(ValueError):
    """An account cannot be created or changed as asked; the message is for people."""


class SignInRefused(Exception):
    """Signing in did not succeed; ``message`` is shown as is, ``reason`` goes to the audit."""

    def __init__(self, message: str, reason: str, account_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.account_id = account_id


@dataclass(frozen=True)
class Staff:
    """Who is acting: an active account with its role and the areas it may keep."""

    id: int
    login: str
    name: str
    role: Role
    area_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def staff_of(session: Session, account: Account) -> Staff:
    area_ids = session.scalars(
        select(AccountArea.area_id).where(AccountArea.account_id == account.id)
    )
    return Staff(account.id, account.login, account.name, account.role, frozenset(area_ids))


def check_login(login: str) -> str:
    value = normalize_line(login).lower()
    if not value:
        raise AccountProblem("ログイン名を入力してください")
    if len(value) > MAX_LOGIN_CHARS or any(c not in LOGIN_CHARS for c in value):
        raise AccountProblem(
            f"ログイン名は半角の英小文字・数字と . _ - @ で、{MAX_LOGIN_CHARS} 文字までです"
        )
    return value


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountProblem(f"パスワードは {MIN_PASSWORD_CHARS} 文字以上にしてください")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountProblem(f"パスワードは {MAX_PASSWORD_CHARS} 文字までです")
    if not password.strip():
        raise AccountProblem("空白だけのパスワードは使えません")
    return password


def parse_role(word: str) -> Role:
    words = {r.value: r for r in Role} | {"管理者": Role.ADMIN, "閲覧": Role.VIEWER}
    words["コーディネーター"] = Role.COORDINATOR
    try:
        return words[normalize_line(word).lower()]
    except KeyError:
        raise AccountProblem(
            f"役割「{word}」はありません（admin / coordinator / viewer）"
        ) from None


def find_areas(session: Session, words: Iterable[str]) -> list[int]:
    """Area ids from ids or names; a name shared by several areas must be given by id."""
    ids: list[int] = []
    rows = session.execute(select(Area.id, Area.name, Area.layer)).all()
    for word in words:
        text = normalize_line(word)
        if text.isdigit() and any(r.id == int(text) for r in rows):
            ids.append(int(text))
            continue
        named = [r for r in rows if search_key(r.name) == search_key(text)]
        if not named and text:  # 「東部」 for 「東部地区」, when only one area starts so
            named = [r for r in rows if search_key(r.name).startswith(search_key(text))]
        if len(named) > 1:  # prefer the 第2層 area of that name
            named = [r for r in named if r.layer == Layer.DAILY_LIFE] or named
        if not named:
            raise AccountProblem(f"区域「{text}」は登録されていません")
        if len(named) > 1:
            choices = "、".join(f"{r.id}（第{r.layer}層）" for r in named)
            raise AccountProblem(f"区域「{text}」は複数あります。番号で指定してください: {choices}")
        ids.append(named[0].id)
    return sorted(set(ids))


def create_account(
    session: Session,
    login: str,
    password: str,
    role: Role,
    area_ids: Sequence[int] = (),
    name: str = "",
) -> Account:
    login = check_login(login)
    if session.scalar(select(Account.id).where(Account.login == login)) is not None:
        raise AccountProblem(f"ログイン名「{login}」はもう使われています")
    if role == Role.COORDINATOR and not area_ids:
        raise AccountProblem("コーディネーターには担当区域を1つ以上指定してください")
    account = Account(
        login=login,
        name=normalize_line(name)[:100] or login,
        role=role,
        password_hash=generate_password_hash(check_password(password), method=HASH_METHOD),
        active=True,
    )
    session.add(account)
    session.flush()
    set_areas(session, account.id, area_ids if role == Role.COORDINATOR else ())
    return account


def set_areas(session: Session, account_id: int, area_ids: Sequence[int]) -> None:
    session.execute(delete(AccountArea).where(AccountArea.account_id == account_id))
    if area_ids:
        session.execute(
            insert(AccountArea.__table__),
            [{"account_id": account_id, "area_id": a} for a in sorted(set(area_ids))],
        )


def set_password(session: Session, account: Account, password: str) -> None:
    """A new password; every session begun before it ends."""
    account.password_hash = generate_password_hash(check_password(password), HASH_METHOD)
    account.sessions_after = utcnow()


def sign_in(session: Session, login: str, password: str, ip: str, now=None) -> Account:
    """The account for these credentials, or SignInRefused. Every attempt is recorded."""
    now = now or utcnow()
    login_key = normalize_line(login).lower()[:MAX_LOGIN_CHARS]
    since = now - WINDOW
    failures = select(func.count()).where(
        SignInAttempt.at >= since, SignInAttempt.succeeded.is_(False)
    )
    by_account = session.scalar(failures.where(SignInAttempt.login == login_key))
    by_address = session.scalar(failures.where(SignInAttempt.ip == ip))
    if by_account >= MAX_FAILURES_PER_ACCOUNT or by_address >= MAX_FAILURES_PER_ADDRESS:
        minutes = int(WINDOW.total_seconds() // 60)
        raise SignInRefused(
            f"ログインの失敗が続いたため、しばらく受け付けません。{minutes} 分ほどおいて"
            "からもう一度お試しください。",
            "rate_limited",
        )
    account = session.scalar(select(Account).where(Account.login == login_key))
    good = check_password_hash(account.password_hash if account else _DUMMY_HASH, password)
    ok = bool(account and good and account.active)
    session.add(SignInAttempt(at=now, login=login_key, ip=ip[:64], succeeded=ok))
    if not ok:
        if account and good and not account.active:
            raise SignInRefused(
                "このアカウントは使えなくなっています。管理者にお問い合わせください。",
                "inactive",
                account.id,
            )
        raise SignInRefused(
            "ログイン名かパスワードが違います。",
            "bad_credentials",
            account.id if account else None,
        )
    if not account.password_hash.startswith(HASH_METHOD + ":"):
        account.password_hash = generate_password_hash(password, method=HASH_METHOD)
    return account


# --- API tokens ------------------------------------------------------------------------------

TOKEN_PREFIX = "mapapp_"  # noqa: S105 -- a visible prefix, not a secret


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def create_token(session: Session, account: Account, days: int | None = None) -> str:
    """A new token for the account, returned once (only its digest is kept)."""
    if days is not None and not 1 <= days <= 3650:
        raise AccountProblem("有効日数は 1 から 3650 までです")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(days=days) if days else None
    session.add(ApiToken(account_id=account.id, digest=token_digest(token), expires_at=expires))
    return token


def account_for_token(session: Session, token: str, now=None) -> Account | None:
    """The active account a valid token belongs to, or None (unknown, revoked or expired)."""
    now = now or utcnow()
    row = session.scalar(select(ApiToken).where(ApiToken.digest == token_digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.active:
        return None
    row.last_used_at = now
    return account


def revoke_tokens(session: Session, account: Account) -> int:
    """Revoke every token of the account; how many were still valid."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def find_account(session: Session, login: str) -> Account:
    account = session.scalar(select(Account).where(Account.login == normalize_line(login).lower()))
    if account is None:
        raise AccountProblem(f"ログイン名「{login}」のアカウントはありません")
    return account
