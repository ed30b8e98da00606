"""The audit log: sign-ins, refusals, views of records, admin actions. Values of fields are
in the change history (mapapp.editing), not here."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from mapapp.accounts import Staff
from mapapp.exporting import excel_safe
from mapapp.models import AuditEntry

ACTION_LABELS = {
    "sign_in": "ログイン",
    "sign_in_refused": "ログイン失敗",
    "sign_out": "ログアウト",
    "refused": "権限なしで拒否",
    "view": "閲覧",
    "create": "登録",
    "update": "変更",
    "confirm": "確認",
    "restore": "版を戻す",
    "approve": "修正の反映",
    "reject": "修正の見送り",
    "export": "書き出し",
    "import": "取り込み",
    "account": "アカウント管理",
    "areas": "区域の入れ替え",
    "token": "トークン発行",
}
MAX_DETAIL_CHARS = 1000


def record(
    session: Session,
    staff: Staff | None,
    action: str,
    *,
    entity: str = "",
    entity_id: int | None = None,
    ip: str = "",
    detail: str = "",
    login: str = "",
) -> None:
    session.add(
        AuditEntry(
            account_id=staff.id if staff else None,
            login=(staff.login if staff else login)[:60],
            action=action,
            entity=entity,
            entity_id=entity_id,
            ip=ip[:64],
            detail=detail[:MAX_DETAIL_CHARS],
        )
    )


def recent(session: Session, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        )
    )


HEADERS = ("日時(UTC)", "ログイン名", "操作", "対象", "対象ID", "接続元", "内容")


def as_csv(session: Session) -> bytes:
    """The whole log as CSV for Excel (UTF-8 with BOM, formula-safe cells)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        writer.writerow(
            [
                entry.at.isoformat(timespec="seconds"),
                excel_safe(entry.login),
                ACTION_LABELS.get(entry.action, entry.action),
                entry.entity,
                "" if entry.entity_id is None else entry.entity_id,
                excel_safe(entry.ip),
                excel_safe(entry.detail),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
