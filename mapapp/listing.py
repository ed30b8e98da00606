"""What lists and pages show of a resource, in plain Japanese: the next date, the fee, the
walking distance, 丁目 only for a private home."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, replace

from mapapp.contact import ContactPart, contact_parts, map_app_url
from mapapp.geo import walk_min
from mapapp.models import (
    COVERAGE_LABELS,
    ROUGH_PLACEMENTS,
    STATUS_LABELS,
    Coverage,
    Resource,
    ResourceStatus,
)
from mapapp.privacy import is_private_home, public_venue, shown_address
from mapapp.schedule import format_occurrence, next_occurrences, parse_resource_schedule
from mapapp.schedule.model import JA_WEEKDAYS
from mapapp.schedule.occurrences import holiday_unclear
from mapapp.schedule.summary import MonthDates, dates_by_month, opening_days
from mapapp.taxonomy import Taxonomy
from mapapp.text import search_key

WEEKDAY_LABELS = tuple(JA_WEEKDAYS)
GATHERING_GROUP = "kayoi"  # 通いの場: people go there on given days; the rest are services
PAPER_MAX_DATES = 16  # more dates than this in the printed months: print the days instead


@dataclass(frozen=True)
class Card:
    id: int
    name: str
    kana: str
    kind: str
    kind_label: str
    symbol: str
    venue: str
    address: str
    private_home: bool
    schedule_text: str
    closed_text: str
    next_dates: tuple[str, ...]
    # The schedule could not be read with certainty: no dates are shown, only the text as
    # written with 「日程は主催者にご確認ください」.
    schedule_check: bool
    fee_text: str
    target_text: str
    capacity: int | None
    pickup: bool | None
    meals: bool | None
    public_contact: str
    url: str
    description: str
    organization: str
    status: str
    status_label: str
    active: bool
    coverage_label: str
    verified_on: dt.date | None
    status_on: dt.date | None  # since when 休止中 or 終了
    tags: tuple[str, ...]
    lat: float | None  # None: not placed yet (no map, no nearby list)
    lon: float | None
    rough_location: bool  # the point is a 町丁目's or 大字's, not the place's own
    distance_m: float | None
    distance_text: str
    areas: tuple[tuple[int, str, int], ...]  # (id, name, layer), 第1層 first
    # --- what a resident needs to go or to call (いつ・どこ・だれに電話) ---
    group: str = ""  # the kind's group: 通いの場 (kayoi) are listed first
    kind_text: str = ""  # the source's own word for the kind (湖西市: 「Type / SubType」)
    show_kind_text: bool = True  # lists set it where the word tells entries apart
    contact: tuple[ContactPart, ...] = ()  # the place's contact, else its organisation's
    map_url: str = ""  # a geo: link the phone's map app opens
    opening: str = ""  # 「月〜金 8:30〜17:15」 for what is open every week
    has_dates: bool = False  # the schedule was read into days (dates can be listed)
    month_dates: tuple[MonthDates, ...] = ()  # this month's and next month's, for paper
    holiday_unclear: bool = False  # a listed date is a 祝日/年末年始 the texts say nothing of
    reading: str = ""  # for 五十音 order: 名称かな, else the computed reading
    coverage: str = "walk"
    served_areas: tuple[str, ...] = ()  # names of the areas a service with coverage areas serves
    # Other entries of the source for the same place (one row per service): (id, kind words).
    services: tuple[tuple[int, str], ...] = ()

    @property
    def daily_life_area(self) -> tuple[int, str] | None:
        """The 第2層 area it lies in, for breadcrumbs."""
        return next(((i, n) for i, n, layer in self.areas if layer == 2), None)

    @property
    def gathering(self) -> bool:
        """A 通いの場: it meets on dates (次回), and what it costs is a 参加費."""
        return self.group == GATHERING_GROUP

    @property
    def fee_label(self) -> str:
        return "参加費" if self.gathering else "料金"

    @property
    def show_days(self) -> bool:
        """List the days (「受付日 月〜金 8:30〜17:15」) rather than the next date: for
        services and clinics; a 通いの場 says when it meets next (次回)."""
        return bool(self.opening) and not self.gathering

    @property
    def paper_days(self) -> bool:
        """On paper, the days rather than a month of dates: services, and gatherings that
        meet on more than 16 days in the two months printed (a 居場所 open 月〜金)."""
        if not self.opening:
            return False
        dates = sum(len(month.days) for month in self.month_dates)
        return not self.gathering or dates > PAPER_MAX_DATES

    @property
    def days_label(self) -> str:
        return "開いている日" if self.gathering else "受付日"

    @property
    def date_unknown(self) -> bool:
        """Active, and nothing says when: 「日時は主催者にお問い合わせください」."""
        return self.active and not self.has_dates and not self.schedule_check

    @property
    def kind_words(self) -> str:
        """The kind, with the source's own word where it says more: 「医療機関（内科、小児科）」,
        「総合事業のサービス（通所型サービスＡ）」."""
        extra = subtype(self.kind_text) if self.show_kind_text else ""
        if not extra or search_key(extra) in search_key(self.kind_label):
            return self.kind_label
        return f"{self.kind_label}（{extra}）"

    @property
    def when(self) -> str:
        """One line for a map popup or a narrow list."""
        if not self.active:
            return self.status_label
        if self.show_days:
            return f"{self.days_label}: {self.opening}"
        if self.next_dates:
            return f"次回: {self.next_dates[0]}"
        if self.schedule_check:
            return "日程は主催者にご確認ください"
        if self.date_unknown:
            return "日時は主催者にお問い合わせください"
        return (self.schedule_text or "").split("\n")[0]


def distance_text(distance_m: float | None, m_per_min: float) -> str:
    """「徒歩8分（約450m）」; metres rounded to 10 m, kilometres beyond 1 km."""
    if distance_m is None:
        return ""
    minutes = walk_min(distance_m, m_per_min)
    if distance_m >= 1000:
        far = f"約{distance_m / 1000:.1f}km"
    else:
        far = f"約{max(10, round(distance_m / 10) * 10)}m"
    return f"徒歩{minutes}分（{far}）"


@functools.lru_cache(maxsize=8192)
def _schedule_view(schedule_text: str, closed_text: str, today: dt.date, dates: int, months: int):
    """What a card says of a schedule on ``today``: (needs checking, has dates, opening days,
    next dates, holiday unclear, month dates). Cached: many places share their texts, and a
    page seen again on the same day costs no schedule expansion."""
    schedule = parse_resource_schedule(schedule_text, closed_text)
    written = f"{schedule_text}{closed_text}".strip()
    schedule_check = bool(schedule.needs_review) and bool(written)
    has_dates = bool(schedule.rules) or any(
        code.startswith("open_holidays") for code in schedule.exceptions
    )
    opening = opening_days(schedule)
    next_dates: tuple[str, ...] = ()
    unclear = False
    month_dates: tuple[MonthDates, ...] = ()
    if dates:
        found = next_occurrences(schedule, today, dates)
        next_dates = tuple(format_occurrence(o, today) for o in found)
        unclear = any(holiday_unclear(schedule, o.date) for o in found)
    if months:
        month_dates = dates_by_month(schedule, today, months)
        unclear = unclear or any(m.holiday_unclear for m in month_dates)
    return schedule_check, has_dates, opening, next_dates, unclear, month_dates


def make_card(
    resource: Resource,
    taxonomy: Taxonomy,
    *,
    today: dt.date,
    m_per_min: float,
    distance_m: float | None = None,
    dates: int = 1,
    months: int = 0,
) -> Card:
    """What a page shows of a resource; ``dates`` next dates, and with ``months`` the dates
    of this month and the next ones, month by month (for paper)."""
    kind = taxonomy.kind(resource.kind) if taxonomy.has_kind(resource.kind) else None
    active = resource.status == ResourceStatus.ACTIVE
    next_dates: tuple[str, ...] = ()
    schedule_check = False
    opening, has_dates, unclear = "", False, False
    month_dates: tuple[MonthDates, ...] = ()
    if active:
        schedule_check, has_dates, opening, next_dates, unclear, month_dates = _schedule_view(
            resource.schedule_text or "", resource.closed_text or "", today, dates, months
        )
    private = is_private_home(resource.location_precision)
    return Card(
        id=resource.id,
        name=resource.name,
        kana=resource.kana,
        kind=resource.kind,
        kind_label=kind.label if kind else resource.kind,
        symbol=kind.symbol if kind else "・",
        venue=public_venue(resource.venue, resource.location_precision),
        address=shown_address(resource.address, resource.location_precision),
        private_home=private,
        schedule_text=resource.schedule_text,
        closed_text=resource.closed_text,
        next_dates=next_dates,
        schedule_check=schedule_check,
        fee_text=resource.fee_text,
        target_text=resource.target_text,
        capacity=resource.capacity,
        pickup=resource.pickup,
        meals=resource.meals,
        public_contact=resource.public_contact,
        url=resource.url,
        description=resource.description,
        organization=resource.organization.name if resource.organization else "",
        status=resource.status.value,
        status_label=STATUS_LABELS[resource.status],
        active=active,
        coverage_label=COVERAGE_LABELS[resource.coverage]
        if resource.coverage != Coverage.WALK
        else "",
        verified_on=resource.verified_on,
        status_on=resource.status_on,
        tags=tuple(t.tag for t in resource.tags),
        lat=resource.lat,
        lon=resource.lon,
        rough_location=resource.placement in ROUGH_PLACEMENTS,
        distance_m=distance_m,
        distance_text=distance_text(distance_m, m_per_min),
        areas=tuple(
            (a.id, area_name(a.name, a.kind_label), a.layer)
            for a in sorted(resource.areas, key=lambda a: (a.layer, a.id))
        ),
        group=kind.group if kind else "other",
        kind_text=resource.kind_text or "",
        contact=contact_parts(_contact(resource)),
        map_url=map_app_url(
            resource.lat,
            resource.lon,
            resource.name,
            shown_address(resource.address, resource.location_precision),
        ),
        opening=opening,
        has_dates=has_dates,
        month_dates=month_dates,
        holiday_unclear=unclear,
        reading=search_key(resource.kana or resource.reading or resource.name),
        coverage=resource.coverage.value,
        served_areas=tuple(a.name for a in sorted(resource.service_areas, key=lambda a: a.id))
        if resource.coverage == Coverage.AREAS
        else (),
    )


def area_name(name: str, kind_label: str) -> str:
    """An area as residents say it: the 小学校区 「鷲津小学校」 (the school's name, as 国土数値情報
    gives it) is 「鷲津小学校区」; the list is of the district, not of the school."""
    if kind_label.endswith("校区") and name.endswith("学校"):
        return f"{name}区"
    return name


def _contact(resource: Resource) -> str:
    """The place's own contact, else its organisation's."""
    if resource.public_contact:
        return resource.public_contact
    # Lists read organisations by name only (catalog.resources_by_id); pages read them whole.
    return getattr(resource.organization, "public_contact", "") or ""


def subtype(kind_text: str) -> str:
    """The finest part of a source's kind: 「医療機関 / 内科、小児科」 → 「内科、小児科」."""
    return (kind_text or "").split(" / ")[-1].strip()


def tell_apart(cards: list[Card]) -> list[Card]:
    """Show the source's own kind word only where it tells entries of one kind apart (the
    診療科 of clinics), not where every entry of the kind has the same (湖西市's salons are
    all 「一般介護予防 / いきいきサロン」)."""
    words: dict[str, set[str]] = {}
    for card in cards:
        words.setdefault(card.kind, set()).add(subtype(card.kind_text))
    return [replace(card, show_kind_text=len(words[card.kind]) > 1) for card in cards]


def merge_same_place(cards: list[Card]) -> list[Card]:
    """One card per place: entries of the same name at the same point (or address), as a
    source lists a place once per service (湖西市's care map: 訪問介護, 訪問型サービス（独自）
    and 訪問型サービスA of one office), become the first of them naming every service.

    The order of first appearance is kept; contacts of the others are added when new. A
    service is named by its kind, with the source's word where two share a kind.
    """
    places: dict[tuple, list[Card]] = {}
    for card in cards:
        where = (round(card.lat, 5), round(card.lon, 5)) if card.lat is not None else card.address
        places.setdefault((search_key(card.name), where), []).append(card)
    merged = []
    for same in places.values():
        first = same[0]
        if len(same) == 1:
            merged.append(first)
            continue
        kinds = [card.kind for card in same]
        services = tuple(
            (card.id, replace(card, show_kind_text=kinds.count(card.kind) > 1).kind_words)
            for card in same
        )
        contact = first.contact
        known = {p.tel for p in contact if p.tel}
        for card in same[1:]:
            extra = tuple(p for p in card.contact if p.tel and p.tel not in known)
            known |= {p.tel for p in extra}
            if extra:
                contact = contact + (ContactPart("、"),) + _joined(extra)
        merged.append(replace(first, services=services, contact=contact))
    return merged


def _joined(parts: tuple[ContactPart, ...]) -> tuple[ContactPart, ...]:
    joined: list[ContactPart] = []
    for part in parts:
        if joined:
            joined.append(ContactPart("、"))
        joined.append(part)
    return tuple(joined)


def calendar_events(resources) -> list[tuple[str, str, object, str | None]]:
    """(uid, summary, schedule, location) for to_ical; 終了 and 休止中 are left out."""
    events = []
    for resource in resources:
        if resource.status != ResourceStatus.ACTIVE:
            continue
        schedule = parse_resource_schedule(resource.schedule_text, resource.closed_text)
        precision = resource.location_precision
        place = (
            public_venue(resource.venue, precision)
            or shown_address(resource.address, precision)
            or None
        )
        events.append((f"resource-{resource.id}@mapapp", resource.name, schedule, place))
    return events
