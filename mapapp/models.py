"""The tables: areas, organisations, resources and what is derived from them, as SQLAlchemy
ORM classes with portable column types (SQLite by default, PostgreSQL without a redesign)."""

from __future__ import annotations

import datetime as dt
import enum

import shapely
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Geometry(TypeDecorator):
    """A shapely geometry stored as WKB (EPSG:4326, lon/lat axis order).

    Plain binary works on every database; a PostGIS deployment can map this type to
    ``geometry(…, 4326)`` in ``load_dialect_impl`` without touching the models.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else shapely.to_wkb(value)

    def process_result_value(self, value, dialect):
        return None if value is None else shapely.from_wkb(value)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Layer(enum.IntEnum):
    """第1層 = 市町村 (or 区), 第2層 = 日常生活圏域, 第3層 = 自治会・町丁 and smaller."""

    CITY = 1
    DAILY_LIFE = 2
    NEIGHBOURHOOD = 3


class LocationPrecision(enum.StrEnum):
    EXACT = "exact"  # 番地まで
    CHOME = "chome"  # 丁目まで: private homes (居宅サロン) are never shown to the house


class Placement(enum.StrEnum):
    """How a resource's point was found (位置の精度), so that staff can review rough ones."""

    COORDINATES = "coordinates"  # 緯度・経度 given in the source (番地)
    VENUE = "venue"  # the point of a place already on the map that its 会場 names (会場)
    CHOME = "chome"  # the representative point of the 町丁目 its address names (町丁目)
    OAZA = "oaza"  # the representative point of the 大字 its address names (大字)
    GEOCODER = "geocoder"  # an address-search service configured by the municipality
    MANUAL = "manual"  # set by staff on the map
    NONE = "none"  # not placed yet: listed for staff, on no map


PLACEMENT_LABELS = {
    Placement.COORDINATES: "番地",
    Placement.VENUE: "会場",
    Placement.CHOME: "町丁目",
    Placement.OAZA: "大字",
    Placement.GEOCODER: "住所検索",
    Placement.MANUAL: "手入力",
    Placement.NONE: "位置なし",
}
# Points that stand for a whole 町丁目 or 大字: shown as "the area around here", not a door.
ROUGH_PLACEMENTS = (Placement.CHOME, Placement.OAZA)


class Coverage(enum.StrEnum):
    WALK = "walk"  # people come to it; relevant within walking distance
    AREAS = "areas"  # a service for the residents of given areas (service_area rows)
    TOWN = "town"  # a service for the whole municipality


class ResourceStatus(enum.StrEnum):
    PREPARING = "preparing"  # 準備中
    ACTIVE = "active"  # 活動中
    PAUSED = "paused"  # 休止中
    CLOSED = "closed"  # 終了


STATUS_LABELS = {
    ResourceStatus.PREPARING: "準備中",
    ResourceStatus.ACTIVE: "活動中",
    ResourceStatus.PAUSED: "休止中",
    ResourceStatus.CLOSED: "終了",
}
PRECISION_LABELS = {LocationPrecision.EXACT: "番地", LocationPrecision.CHOME: "丁目"}
COVERAGE_LABELS = {Coverage.WALK: "徒歩圏", Coverage.AREAS: "区域", Coverage.TOWN: "市町村全域"}


def _enum(cls):
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Area(Base):
    """A polygon of one layer: a 市町村, a 日常生活圏域 (中学校区, 地区社協区域…), a 町丁."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("source", "source_key"), Index("ix_area_layer", "layer"))

    id: Mapped[int] = mapped_column(primary_key=True)
    layer: Mapped[int] = mapped_column(Integer)
    kind_label: Mapped[str] = mapped_column(String(40))  # 中学校区, 小学校区, 町丁 …
    name: Mapped[str] = mapped_column(String(200))
    kana: Mapped[str] = mapped_column(String(200), default="")
    code: Mapped[str] = mapped_column(String(40), default="")
    # 市区町村名 of the source where a layer spans several (e-Stat CITY_NAME, N03_004…).
    municipality: Mapped[str] = mapped_column(String(100), default="", server_default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    geom = mapped_column(Geometry, nullable=False)  # (Multi)Polygon, EPSG:4326
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    pop_total: Mapped[int | None] = mapped_column(Integer)
    pop_65: Mapped[int | None] = mapped_column(Integer)
    pop_75: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    source_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Area | None] = relationship(remote_side=[id])


class AreaParent(Base):
    """Derived: an area's parent in each kind of the layer above (a 町丁 lies in a 中学校区 and
    in a 地区社協区域 at once), the one holding the largest share of its area."""

    __tablename__ = "area_parent"
    __table_args__ = (Index("ix_area_parent_parent", "parent_id"),)

    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    parent_kind: Mapped[str] = mapped_column(String(40), primary_key=True)  # parent's kind_label
    parent_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    # 0–1, measured in an equal-area projection; None for links carried over by migration 0005
    # until the next import of either layer measures them.
    share: Mapped[float | None] = mapped_column(Float)


class Organization(Base):
    """Who runs a service: 社協, NPO, 自治会, 地区福祉会, 老人クラブ, a person's group…"""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)  # text.search_key(name)
    kana: Mapped[str] = mapped_column(String(200), default="")
    # Derived on import (text.reading, bounded), for search: never computed in a request.
    reading: Mapped[str] = mapped_column(String(200), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(40), default="")
    public_contact: Mapped[str] = mapped_column(String(200), default="")


class Resource(Base):
    """A service at a location (HSDS service + location), as residents look for it."""

    __tablename__ = "resource"
    __table_args__ = (
        UniqueConstraint("source", "source_key"),
        Index("ix_resource_kind", "kind"),
        Index("ix_resource_lat_lon", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # taxonomy code
    kind_text: Mapped[str] = mapped_column(String(200), default="")  # the source's own words
    name: Mapped[str] = mapped_column(String(300))
    kana: Mapped[str] = mapped_column(String(300), default="")
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL")
    )
    venue: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    # None until the resource is placed (a list with addresses the importer could not place).
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    placement: Mapped[Placement] = mapped_column(
        _enum(Placement), default=Placement.COORDINATES, server_default="coordinates"
    )
    placement_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    location_precision: Mapped[LocationPrecision] = mapped_column(
        _enum(LocationPrecision), default=LocationPrecision.EXACT
    )
    coverage: Mapped[Coverage] = mapped_column(_enum(Coverage), default=Coverage.WALK)
    coverage_m: Mapped[int | None] = mapped_column(Integer)
    schedule_text: Mapped[str] = mapped_column(Text, default="")  # verbatim 開催日時
    closed_text: Mapped[str] = mapped_column(Text, default="")  # 休み・定休日, verbatim
    fee_text: Mapped[str] = mapped_column(Text, default="")
    target_text: Mapped[str] = mapped_column(Text, default="")  # 対象者
    capacity: Mapped[int | None] = mapped_column(Integer)
    pickup: Mapped[bool | None] = mapped_column(Boolean)  # 送迎
    meals: Mapped[bool | None] = mapped_column(Boolean)  # 飲食
    public_contact: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ResourceStatus] = mapped_column(
        _enum(ResourceStatus), default=ResourceStatus.ACTIVE
    )
    verified_on: Mapped[dt.date | None] = mapped_column(Date)
    status_on: Mapped[dt.date | None] = mapped_column(Date)  # since when 休止中 or 終了
    outside_areas: Mapped[bool] = mapped_column(Boolean, default=False)  # 区域外
    # Derived on the way in, for search and filters; the texts above stay as written.
    reading: Mapped[str] = mapped_column(String(300), default="", server_default="")
    venue_reading: Mapped[str] = mapped_column(String(300), default="", server_default="")
    open_weekdays: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # bit 0 = 月
    schedule_review: Mapped[str] = mapped_column(Text, default="", server_default="")
    fee_unit: Mapped[str] = mapped_column(String(16), default="unknown", server_default="unknown")
    fee_amount_yen: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    source_key: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization | None] = relationship()
    tags: Mapped[list[ResourceTag]] = relationship(
        cascade="all, delete-orphan", order_by="ResourceTag.tag"
    )
    areas: Mapped[list[Area]] = relationship(secondary="resource_area", viewonly=True)
    service_areas: Mapped[list[Area]] = relationship(secondary="service_area", viewonly=True)
    schedule_rules: Mapped[list[ScheduleRule]] = relationship(
        cascade="all, delete-orphan", order_by="ScheduleRule.position"
    )

    # A save that started from an old copy fails (StaleDataError) instead of overwriting.
    __mapper_args__ = {"version_id_col": version}


class ResourceTag(Base):
    __tablename__ = "resource_tag"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)


class ScheduleRule(Base):
    """One recurrence understood from a resource's 開催日時 (RFC 5545 RRULE and hours)."""

    __tablename__ = "schedule_rule"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    rrule: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[dt.time | None] = mapped_column(Time)
    closes_at: Mapped[dt.time | None] = mapped_column(Time)
    season: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(String(100))


class ResourceArea(Base):
    """Derived: which area of each layer a resource's point lies in."""

    __tablename__ = "resource_area"
    __table_args__ = (Index("ix_resource_area_area", "area_id"),)

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )
    layer: Mapped[int] = mapped_column(Integer)


class ServiceArea(Base):
    """Stated: the areas a service with coverage ``areas`` serves (HSDS service_area)."""

    __tablename__ = "service_area"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )


class ImportRun(Base):
    """One run of an importer: what file, what profile, what came of it."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    target: Mapped[str] = mapped_column(String(20))  # "areas" | "resources"
    source: Mapped[str] = mapped_column(String(200))
    profile: Mapped[str] = mapped_column(String(40), default="")
    filename: Mapped[str] = mapped_column(String(300))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class Change(Base):
    """History of every field a write changed, so a value can be traced and restored."""

    __tablename__ = "change"
    __table_args__ = (Index("ix_change_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # create | update | delete
    field: Mapped[str | None] = mapped_column(String(60))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(Integer)  # account.id of a staff edit
    import_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_run.id", ondelete="SET NULL")
    )
    version: Mapped[int | None] = mapped_column(Integer)  # the entity's version it produced


class PlaceName(Base):
    """A gazetteer entry: a 町丁目 or 大字 name with a representative point (位置参照情報,
    e-Stat X_CODE/Y_CODE tables), used to place resources that have an address only."""

    __tablename__ = "place_name"
    __table_args__ = (
        UniqueConstraint("source", "municipality_code", "name"),
        Index("ix_place_name_name_key", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    prefecture: Mapped[str] = mapped_column(String(20), default="")
    municipality_code: Mapped[str] = mapped_column(String(10), default="")
    municipality: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # places.place_key(name)
    level: Mapped[str] = mapped_column(String(16))  # Placement.CHOME or Placement.OAZA
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class GeocodeCache(Base):
    """Answers of the configured address-search service, so an address is asked once."""

    __tablename__ = "geocode_cache"

    query: Mapped[str] = mapped_column(String(300), primary_key=True)
    lat: Mapped[float | None] = mapped_column(Float)  # None: the service found nothing
    lon: Mapped[float | None] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Meta(Base):
    """Small key/value facts about the database, such as the data version."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


# --- staff: accounts, their areas, API tokens, audit, corrections ------------------------------


class Role(enum.StrEnum):
    ADMIN = "admin"  # 管理者: the whole town, areas, users, exports, backup
    COORDINATOR = "coordinator"  # コーディネーター: resources of their own areas
    VIEWER = "viewer"  # 閲覧: staff views, read-only


ROLE_LABELS = {Role.ADMIN: "管理者", Role.COORDINATOR: "コーディネーター", Role.VIEWER: "閲覧"}


class Account(Base):
    """A member of staff who signs in (the table is not called "user": a reserved word in
    PostgreSQL)."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Sessions begun before this are no longer valid (password changed, signed out everywhere).
    sessions_after: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    areas: Mapped[list[Area]] = relationship(secondary="account_area", order_by="Area.id")


class AccountArea(Base):
    """A coordinator's scope: the areas whose resources (and later needs) they keep."""

    __tablename__ = "account_area"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), primary_key=True
    )


class ApiToken(Base):
    """A bearer token for scripted updates; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    """Who did what, when, from where: sign-ins, refusals, views of personal data, admin
    actions. Kept apart from the change history, which holds field values."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    account_id: Mapped[int | None] = mapped_column(Integer)
    login: Mapped[str] = mapped_column(String(60), default="")
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class SignInAttempt(Base):
    """Each sign-in attempt, to limit guessing per account and per address."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_login_at", "login", "at"),
        Index("ix_sign_in_attempt_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    login: Mapped[str] = mapped_column(String(60))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)


class SuggestionStatus(enum.StrEnum):
    PENDING = "pending"  # 未対応
    APPROVED = "approved"  # 反映済み
    REJECTED = "rejected"  # 見送り


class Suggestion(Base):
    """A correction or a new place sent in from the public site, waiting for staff.

    ``proposed`` is JSON: {field: text} as the sender wrote it. Nothing here is ever shown on
    a public page; ``sender_contact`` is personal data.
    """

    __tablename__ = "suggestion"
    __table_args__ = (
        Index("ix_suggestion_status", "status"),
        Index("ix_suggestion_sender_key_received_at", "sender_key", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource.id", ondelete="SET NULL")
    )  # None: a new place
    base_version: Mapped[int | None] = mapped_column(Integer)  # the version the sender saw
    proposed: Mapped[str] = mapped_column(Text, default="{}")
    message: Mapped[str] = mapped_column(Text, default="")
    sender_contact: Mapped[str] = mapped_column(String(200), default="")
    sender_key: Mapped[str] = mapped_column(String(64), default="")  # keyed hash of the address
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    status: Mapped[SuggestionStatus] = mapped_column(
        _enum(SuggestionStatus), default=SuggestionStatus.PENDING
    )
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")


# --- matching: needs (相談受付), volunteers (担い手), proposals, points ------------------------
# Personal data: a need's label, contact, address, point, text, wishes and gender; a
# volunteer's label, contact, address, point and gender. None of it is ever read by a public
# page, the public API, a map popup, search or a public export (mapapp.matching.people).


class NeedStatus(enum.StrEnum):
    RECEIVED = "received"  # 受付
    ARRANGING = "arranging"  # 調整中: candidates proposed, a volunteer asked
    ARRANGED = "arranged"  # 手配済
    DONE = "done"  # 完了
    REFERRED = "referred"  # つなぎ: referred to 地域包括支援センター or 行政 (see referred_to)
    WITHDRAWN = "withdrawn"  # 取り下げ


NEED_STATUS_LABELS = {
    NeedStatus.RECEIVED: "受付",
    NeedStatus.ARRANGING: "調整中",
    NeedStatus.ARRANGED: "手配済",
    NeedStatus.DONE: "完了",
    NeedStatus.REFERRED: "つなぎ",
    NeedStatus.WITHDRAWN: "取り下げ",
}


class Urgency(enum.StrEnum):
    NORMAL = "normal"  # 通常
    SOON = "soon"  # 早めに
    URGENT = "urgent"  # 至急


URGENCY_LABELS = {Urgency.NORMAL: "通常", Urgency.SOON: "早めに", Urgency.URGENT: "至急"}


class TravelMode(enum.StrEnum):
    WALK = "walk"  # 徒歩
    BICYCLE = "bicycle"  # 自転車
    CAR = "car"  # 車


TRAVEL_MODE_LABELS = {TravelMode.WALK: "徒歩", TravelMode.BICYCLE: "自転車", TravelMode.CAR: "車"}


class VolunteerStatus(enum.StrEnum):
    ACTIVE = "active"  # 活動中
    PAUSED = "paused"  # 休止


VOLUNTEER_STATUS_LABELS = {VolunteerStatus.ACTIVE: "活動中", VolunteerStatus.PAUSED: "休止"}


class ProposalStatus(enum.StrEnum):
    PROPOSED = "proposed"  # 候補に挙げた
    ASKED = "asked"  # 依頼の連絡をした
    ACCEPTED = "accepted"  # 引き受けてもらえた
    DECLINED = "declined"  # 断られた（この方には二度と候補に挙げない）
    DONE = "done"  # 支援が終わった（ポイント付与）
    CANCELLED = "cancelled"  # 取りやめ（ニーズの取り下げ・つなぎなど）


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.PROPOSED: "候補",
    ProposalStatus.ASKED: "依頼中",
    ProposalStatus.ACCEPTED: "引き受け",
    ProposalStatus.DECLINED: "お断り",
    ProposalStatus.DONE: "完了",
    ProposalStatus.CANCELLED: "取りやめ",
}


class Need(Base):
    """A resident's need as a coordinator took it (相談受付). ``label`` is what the
    coordinator calls the person; ``person_key`` (its search key) ties a person's needs
    together for continuity and for volunteers declined before."""

    __tablename__ = "need"
    __table_args__ = (
        UniqueConstraint("source", "source_key"),
        Index("ix_need_area_id_status", "area_id", "status"),
        Index("ix_need_person_key", "person_key"),
        Index("ix_need_follow_up_on", "follow_up_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))  # personal
    person_key: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(Text, default="")  # personal, private
    address: Mapped[str] = mapped_column(String(300), default="")  # personal
    lat: Mapped[float | None] = mapped_column(Float)  # precise, personal: shown coarsely
    lon: Mapped[float | None] = mapped_column(Float)
    placement: Mapped[Placement] = mapped_column(_enum(Placement), default=Placement.COORDINATES)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")  # what the person said, personal
    wanted_text: Mapped[str] = mapped_column(Text, default="")  # 希望日時 as schedule text
    wanted_on: Mapped[dt.date | None] = mapped_column(Date)  # a single date wanted
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency), default=Urgency.NORMAL)
    wishes: Mapped[str] = mapped_column(Text, default="")  # 同性の方 …
    gender: Mapped[str] = mapped_column(String(8), default="")  # 女性 / 男性 / "", personal
    consent: Mapped[bool] = mapped_column(Boolean, default=False)  # 本人の同意
    consent_how: Mapped[str] = mapped_column(String(100), default="")  # 口頭, 書面 …
    consent_on: Mapped[dt.date | None] = mapped_column(Date)
    consent_scope: Mapped[str] = mapped_column(Text, default="")  # what may be shared, with whom
    status: Mapped[NeedStatus] = mapped_column(_enum(NeedStatus), default=NeedStatus.RECEIVED)
    referred_to: Mapped[str] = mapped_column(String(200), default="")  # つなぎ先
    received_on: Mapped[dt.date | None] = mapped_column(Date)  # 受付日
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)  # 次回確認日
    coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(200), default="manual")
    source_key: Mapped[str | None] = mapped_column(String(200))  # 出典ID
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    kinds: Mapped[list[NeedKindLink]] = relationship(
        cascade="all, delete-orphan", order_by="NeedKindLink.kind"
    )


class NeedKindLink(Base):
    """A need kind (taxonomy [[need]] code) a need is about."""

    __tablename__ = "need_kind"
    __table_args__ = (Index("ix_need_kind_kind", "kind"),)

    need_id: Mapped[int] = mapped_column(
        ForeignKey("need.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)


class NeedStatusChange(Base):
    """Each change of a need's status: who, when, from what to what, and a note."""

    __tablename__ = "need_status_change"
    __table_args__ = (Index("ix_need_status_change_need_id", "need_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    account_id: Mapped[int | None] = mapped_column(Integer)  # None: an import or the command line
    old_status: Mapped[str | None] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")


class Volunteer(Base):
    """A registered volunteer (担い手)."""

    __tablename__ = "volunteer"
    __table_args__ = (
        UniqueConstraint("source", "source_key"),
        Index("ix_volunteer_area_id", "area_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))  # 氏名, personal
    contact: Mapped[str] = mapped_column(Text, default="")  # personal, private
    address: Mapped[str] = mapped_column(String(300), default="")  # personal
    lat: Mapped[float | None] = mapped_column(Float)  # personal
    lon: Mapped[float | None] = mapped_column(Float)
    placement: Mapped[Placement] = mapped_column(_enum(Placement), default=Placement.COORDINATES)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    gender: Mapped[str] = mapped_column(String(8), default="")  # 女性 / 男性 / "", personal
    availability_text: Mapped[str] = mapped_column(Text, default="")  # 活動できる日時
    travel_mode: Mapped[TravelMode] = mapped_column(_enum(TravelMode), default=TravelMode.WALK)
    travel_m: Mapped[int] = mapped_column(Integer)  # how far they go, straight line
    capacity: Mapped[int] = mapped_column(Integer, default=1)  # people helped at once
    insurance_until: Mapped[dt.date | None] = mapped_column(Date)  # ボランティア保険
    status: Mapped[VolunteerStatus] = mapped_column(
        _enum(VolunteerStatus), default=VolunteerStatus.ACTIVE
    )
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="manual")
    source_key: Mapped[str | None] = mapped_column(String(200))  # 出典ID
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    skills: Mapped[list[VolunteerSkill]] = relationship(
        cascade="all, delete-orphan", order_by="VolunteerSkill.skill"
    )
    trainings: Mapped[list[Training]] = relationship(
        cascade="all, delete-orphan", order_by="Training.completed_on"
    )


class VolunteerSkill(Base):
    """A skill (taxonomy [[skill]] code) a volunteer offers."""

    __tablename__ = "volunteer_skill"
    __table_args__ = (Index("ix_volunteer_skill_skill", "skill"),)

    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(40), primary_key=True)


class Training(Base):
    """A training a volunteer completed (養成講座 2日間 …): completed → may be dispatched."""

    __tablename__ = "training"
    __table_args__ = (Index("ix_training_volunteer_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)


class Proposal(Base):
    """A candidate (a volunteer or a resource) proposed for a need, and the case from there:
    proposed → asked → accepted → done, or declined. ``reasons`` is JSON: the score's parts
    in Japanese, as shown when it was proposed."""

    __tablename__ = "proposal"
    __table_args__ = (
        Index("ix_proposal_need_id", "need_id"),
        Index("ix_proposal_volunteer_id_status", "volunteer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer.id", ondelete="SET NULL")
    )
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id", ondelete="SET NULL"))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    distance_m: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[ProposalStatus] = mapped_column(
        _enum(ProposalStatus), default=ProposalStatus.PROPOSED
    )
    note: Mapped[str] = mapped_column(Text, default="")  # the calls, as the coordinator noted them
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    proposed_by: Mapped[int | None] = mapped_column(Integer)
    asked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(Integer)


class PointEntry(Base):
    """The volunteer points ledger (ボランティアポイント): + per completed help, − redeemed."""

    __tablename__ = "point_entry"
    __table_args__ = (Index("ix_point_entry_volunteer_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200), default="")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="SET NULL"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    account_id: Mapped[int | None] = mapped_column(Integer)
