"""Replacing a layer's areas: areas the file lacks are removed, their references moved to
the file's area of the same name or code, refused (nothing changed) when there is none,
or dropped when asked; the areas the file keeps keep their ids."""

from __future__ import annotations

import pytest
from shapely.geometry import box
from sqlalchemy import func, select

from mapapp.importing.area_references import AreasInUse
from mapapp.importing.boundaries import import_areas
from mapapp.models import (
    Account,
    AccountArea,
    Area,
    Need,
    Resource,
    ResourceArea,
    Role,
    ServiceArea,
    Volunteer,
)
from tests.conftest import EAST, WEST, write_geojson

EAST_POINT = (34.71, 137.53)  # (lat, lon) inside EAST
WEST_POINT = (34.71, 137.51)


def areas(storage) -> dict[str, int]:
    with storage.reading() as db:
        return {a.name: a.id for a in db.scalars(select(Area).order_by(Area.id))}


def layer_file(tmp_path, name: str, features: list[tuple[dict, object]]):
    return write_geojson(tmp_path / f"{name}.geojson", features)


@pytest.fixture
def town(tmp_path, storage):
    """第2層 西 (W1) and 東 (E1); a coordinator of 東, a service serving 東, a salon in
    東, a need with a point in 東 and a volunteer without one, both of 東."""
    first = layer_file(tmp_path, "first", [({"name": "西", "code": "W1"}, WEST),
                                           ({"name": "東", "code": "E1"}, EAST)])  # fmt: skip
    import_areas(storage, first, layer=2, kind_label="地区")
    ids = areas(storage)
    with storage.transaction() as db:
        coordinator = Account(login="c", role=Role.COORDINATOR, password_hash="x")
        service = Resource(kind="meals", name="配食", source="t", source_key="1", coverage="areas")
        salon = Resource(kind="salon", name="東のサロン", source="t", source_key="2",
                         lat=EAST_POINT[0], lon=EAST_POINT[1])  # fmt: skip
        db.add_all([coordinator, service, salon])
        db.flush()
        db.add_all([
            AccountArea(account_id=coordinator.id, area_id=ids["東"]),
            ServiceArea(resource_id=service.id, area_id=ids["東"]),
            ResourceArea(resource_id=salon.id, area_id=ids["東"], layer=2),
            Need(label="Aさん", person_key="a", lat=EAST_POINT[0], lon=EAST_POINT[1],
                 area_id=ids["東"]),
            Volunteer(label="Bさん", travel_m=500, area_id=ids["東"]),
        ])  # fmt: skip
    return ids


def snapshot(storage) -> tuple:
    with storage.reading() as db:
        return (
            sorted(db.execute(select(Area.id, Area.name, Area.source_key)).all()),
            sorted(db.execute(select(AccountArea.account_id, AccountArea.area_id)).all()),
            sorted(db.execute(select(ServiceArea.resource_id, ServiceArea.area_id)).all()),
            sorted(db.execute(select(Need.id, Need.area_id)).all()),
            sorted(db.execute(select(Volunteer.id, Volunteer.area_id)).all()),
            sorted(db.execute(select(ResourceArea.resource_id, ResourceArea.area_id)).all()),
        )


def test_an_area_the_file_lacks_is_removed(tmp_path, storage):
    path = layer_file(tmp_path, "a", [({"name": "西"}, WEST), ({"name": "東"}, EAST)])
    import_areas(storage, path, layer=2, kind_label="地区")
    west = areas(storage)["西"]
    path = layer_file(tmp_path, "b", [({"name": "西"}, WEST)])
    report = import_areas(storage, path, layer=2, kind_label="地区")
    assert [(r.name, bool(r.references)) for r in report.removed] == [("東", False)]
    assert areas(storage) == {"西": west}


def test_other_sources_and_layers_are_left_alone(tmp_path, storage):
    path = layer_file(tmp_path, "a", [({"name": "西"}, WEST), ({"name": "東"}, EAST)])
    import_areas(storage, path, layer=2, kind_label="地区")
    import_areas(storage, path, layer=2, kind_label="中学校区")
    import_areas(storage, layer_file(tmp_path, "b", [({"name": "西"}, WEST)]), layer=2,
                 kind_label="地区")  # fmt: skip
    with storage.reading() as db:
        kinds = db.execute(select(Area.kind_label, func.count()).group_by(Area.kind_label))
        assert dict(kinds.all()) == {"地区": 1, "中学校区": 2}


def test_ids_stay_for_areas_kept_by_key_code_or_name(tmp_path, storage, town):
    # 西 keeps its code under a new name; 東 loses its code (keyed by name now).
    path = layer_file(tmp_path, "b", [({"name": "西地区", "code": "W1"}, WEST),
                                      ({"name": "東"}, EAST)])  # fmt: skip
    report = import_areas(storage, path, layer=2, kind_label="地区")
    assert report.removed == []
    assert areas(storage) == {"西地区": town["西"], "東": town["東"]}
    with storage.reading() as db:
        assert db.get(Area, town["東"]).source_key == "東"
        assert db.scalar(select(AccountArea.area_id)) == town["東"]


def test_a_reference_moves_to_the_files_area_of_the_same_name(tmp_path, storage, town):
    # A second 東 (another code) makes the name ambiguous: neither stored 東 is kept in
    # place; the file's one 東 takes their references.
    with storage.transaction() as db:
        db.add(Area(layer=2, kind_label="地区", name="東", code="E2", source="layer2:地区",
                    source_key="E2", geom=box(137.53, 34.70, 137.54, 34.705), min_lon=137.53,
                    min_lat=34.70, max_lon=137.54, max_lat=34.705))  # fmt: skip
    path = layer_file(tmp_path, "b", [({"name": "西", "code": "W1"}, WEST),
                                      ({"name": "東", "code": "E9"}, EAST)])  # fmt: skip
    report = import_areas(storage, path, layer=2, kind_label="地区")
    assert {(r.name, r.replacement) for r in report.removed} == {("東", "東")}
    assert len(report.removed) == 2 and not any(r.blocking for r in report.removed)
    new_east = areas(storage)["東"]
    assert new_east not in (town["東"],)
    with storage.reading() as db:
        assert db.scalar(select(AccountArea.area_id)) == new_east
        assert db.scalar(select(ServiceArea.area_id)) == new_east
        assert db.scalar(select(Need.area_id)) == new_east  # from its point
        assert db.scalar(select(Volunteer.area_id)) is None  # it has no point


def test_a_reference_with_nowhere_to_go_refuses_and_changes_nothing(tmp_path, storage, town):
    before = snapshot(storage)
    path = layer_file(tmp_path, "b", [({"name": "西", "code": "W1"}, WEST),
                                      ({"name": "新東", "code": "N1"}, EAST)])  # fmt: skip
    with pytest.raises(AreasInUse) as refused:
        import_areas(storage, path, layer=2, kind_label="地区")
    message = str(refused.value)
    assert "東 はコーディネーター 1 人の担当区域、サービス 1 件の対象区域です" in message
    assert "何も変えていません" in message and "相談" not in message  # needs are not stated
    assert [a.name for a in refused.value.blocking] == ["東"]
    assert snapshot(storage) == before


def test_a_dry_run_says_what_a_real_run_would_refuse(tmp_path, storage, town):
    before = snapshot(storage)
    path = layer_file(tmp_path, "b", [({"name": "西", "code": "W1"}, WEST)])
    report = import_areas(storage, path, layer=2, kind_label="地区", dry_run=True)
    assert report.refusal.startswith("ファイルにない区域を指しているものがあるため")
    assert [str(r) for r in report.removed] == [
        "東（コーディネーター 1 人の担当区域、サービス 1 件の対象区域）"
    ]
    assert snapshot(storage) == before


def test_dropping_references_when_asked(tmp_path, storage, town):
    path = layer_file(tmp_path, "b", [({"name": "西", "code": "W1"}, WEST),
                                      ({"name": "新東", "code": "N1"}, EAST)])  # fmt: skip
    report = import_areas(storage, path, layer=2, kind_label="地区", drop_references=True)
    assert [(r.name, r.blocking) for r in report.removed] == [("東", True)]
    now = areas(storage)
    assert now == {"西": town["西"], "新東": now["新東"]}
    with storage.reading() as db:
        assert db.scalar(select(func.count()).select_from(AccountArea)) == 0
        assert db.scalar(select(func.count()).select_from(ServiceArea)) == 0
        assert db.scalar(select(Need.area_id)) == now["新東"]  # from its point
        assert db.scalar(select(Volunteer.area_id)) is None  # no point
        salon = db.scalar(select(Resource.id).where(Resource.name == "東のサロン"))
        placed = db.scalars(select(ResourceArea.area_id).where(ResourceArea.resource_id == salon))
        assert list(placed) == [now["新東"]]  # resources are placed again from their points


def test_the_command_line_refuses_or_drops(cli_on_staff, staff_app, tmp_path):
    from mapapp.storage import get_storage

    storage = get_storage(staff_app)
    with storage.reading() as db:
        kept = [(a.name, a.source_key, a.geom) for a in
                db.scalars(select(Area).where(Area.source == "demo:layer2"))
                if a.name != "西山地区"]  # fmt: skip
        west_id = db.scalar(select(Area.id).where(Area.name == "西山地区"))
    path = layer_file(tmp_path, "l2", [({"name": n, "code": c}, g) for n, c, g in kept])
    args = ["import-areas", path, "--layer", "2", "--kind", "地区社協区域",
            "--source", "demo:layer2"]  # fmt: skip
    dry = cli_on_staff(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "西山地区（サービス" in dry.output and "このままでは取り込めません" in dry.output
    refused = cli_on_staff(*args)
    assert refused.exit_code == 2
    assert "西山地区 はサービス" in refused.output and "--drop-references" in refused.output
    assert areas(storage)["西山地区"] == west_id
    done = cli_on_staff(*args, "--drop-references")
    assert done.exit_code == 0, done.output
    assert "削除 1" in done.output and "西山地区" not in areas(storage)


def test_a_need_follows_a_boundary_that_moved(tmp_path, storage, town):
    """A need's 第2層 area is derived from its point: when 西 grows over it, it is 西's."""
    west_grown = box(137.50, 34.70, 137.535, 34.72)  # now covers EAST_POINT (lon 137.53)
    east_shrunk = box(137.535, 34.70, 137.54, 34.72)
    path = layer_file(tmp_path, "b", [({"name": "西", "code": "W1"}, west_grown),
                                      ({"name": "東", "code": "E1"}, east_shrunk)])  # fmt: skip
    import_areas(storage, path, layer=2, kind_label="地区")
    assert areas(storage) == {"西": town["西"], "東": town["東"]}  # both kept, ids stable
    with storage.reading() as db:
        assert db.scalar(select(Need.area_id)) == town["西"]
