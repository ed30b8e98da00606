"""Who may do what: one function, ``allowed``, asked by every staff route and API call.

管理者 (admin) may do everything in the whole town. コーディネーター (coordinator) keeps the
resources and corrections of their own areas: a resource is theirs when its (public) point lies
in one of those areas, and it stays theirs only where it is put inside them; the needs and
volunteers (personal records) of those areas are theirs too. 閲覧 (viewer) sees the staff
views of resources and changes nothing, and no person's record. A resource that lies in no
area (位置なし, 区域外) is kept by admins.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from mapapp.accounts import Staff
from mapapp.models import Role


class Action(enum.StrEnum):
    VIEW = "view"  # staff pages, records, review lists, history
    EDIT = "edit"  # create and change resources, confirm them, restore a version
    REVIEW_CORRECTION = "review_correction"  # approve or reject what residents sent
    IMPORT = "import"  # resource lists from files
    EXPORT = "export"  # public exports of one's areas (admins: the town, full records)
    EXPORT_FULL = "export_full"  # private homes' full records
    MANAGE_AREAS = "manage_areas"  # boundary files
    MANAGE_ACCOUNTS = "manage_accounts"
    VIEW_AUDIT = "view_audit"
    BACKUP = "backup"
    # Needs, volunteers, candidates and cases: personal records, of one's own areas only.
    # 閲覧 never sees them.
    MATCH = "match"


ADMIN_ONLY = frozenset(
    {Action.EXPORT_FULL, Action.MANAGE_AREAS, Action.MANAGE_ACCOUNTS, Action.VIEW_AUDIT,
     Action.BACKUP}
)  # fmt: skip
SCOPED = frozenset(
    {Action.EDIT, Action.REVIEW_CORRECTION, Action.IMPORT, Action.EXPORT, Action.MATCH}
)


def allowed(staff: Staff | None, action: Action, areas: Iterable[int] | None = None) -> bool:
    """May ``staff`` do ``action`` to a thing lying in ``areas``?

    ``areas`` None asks about the action in general (may they edit anything at all, to show a
    menu); a thing lying in no area is given as an empty set and is an admin's.
    """
    if staff is None:
        return False
    if staff.role == Role.ADMIN:
        return True
    if action == Action.VIEW:
        return True
    if action in ADMIN_ONLY or staff.role != Role.COORDINATOR or action not in SCOPED:
        return False
    if areas is None:
        return bool(staff.area_ids)
    return bool(staff.area_ids & frozenset(areas))


def area_scope(staff: Staff) -> frozenset[int] | None:
    """The areas whose things a person sees in lists; None for the whole town."""
    return None if staff.role != Role.COORDINATOR else staff.area_ids
