"""要確認: the resources staff should look at again, each with the reasons, per area.

A resource is listed when it was not confirmed (最終確認日) for a number of months, when its
schedule text needs review, when it lies outside every 第2層 area (区域外), or when it has no
point or only a 大字's. Ended resources (終了) are not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from mapapp.models import Placement, Resource, ResourceArea, ResourceStatus


@dataclass
class ReviewItem:
    resource_id: int
    name: str
    kind: str
    version: int
    verified_on: dt.date | None
    reasons: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def review_list(
    session: Session,
    *,
    today: dt.date,
    months: int,
    areas: frozenset[int] | None = None,
    limit: int = 500,
) -> tuple[list[ReviewItem], int]:
    """(the first ``limit`` items, how many in all), oldest confirmation first.

    ``areas`` None is the whole town; otherwise only resources lying in one of them.
    """
    due = today - relativedelta(months=months)
    table = Resource.__table__.c
    wanted = or_(
        table.verified_on.is_(None),
        table.verified_on < due,
        table.schedule_review != "",
        table.outside_areas.is_(True),
        table.placement.in_([Placement.NONE.value, Placement.OAZA.value]),
    )
    query = (
        select(
            table.id, table.name, table.kind, table.version, table.verified_on,
            table.schedule_review, table.outside_areas, table.placement,
        )
        .where(table.status != ResourceStatus.CLOSED.value, wanted)
        .order_by(table.verified_on.is_not(None), table.verified_on, table.id)
    )  # fmt: skip
    if areas is not None:
        query = query.where(
            exists().where(
                ResourceArea.resource_id == table.id, ResourceArea.area_id.in_(sorted(areas))
            )
        )
    items: list[ReviewItem] = []
    total = 0
    for row in session.execute(query):
        total += 1
        if len(items) >= limit:
            continue
        item = ReviewItem(row.id, row.name, row.kind, row.version, row.verified_on)
        if row.verified_on is None:
            _add(item, "unconfirmed", "最終確認日がありません")
        elif row.verified_on < due:
            _add(item, "unconfirmed", f"{months} か月以上確認されていません（{row.verified_on}）")
        if row.schedule_review:
            first = row.schedule_review.split("\n")[0]
            _add(item, "schedule", f"開催日時の読み取りを確認してください: {first}")
        if row.outside_areas:
            _add(item, "outside", "区域外（どの第2層区域にも入っていません）")
        if row.placement == Placement.NONE.value:
            _add(item, "no_point", "地図上の場所がありません")
        elif row.placement == Placement.OAZA.value:
            _add(item, "rough_point", "場所が大字の代表点です")
        items.append(item)
    return items, total


def _add(item: ReviewItem, code: str, reason: str) -> None:
    item.codes.append(code)
    item.reasons.append(reason)
