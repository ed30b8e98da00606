"""Parents of areas (one per kind of the layer above, by share of area) and `mapapp stats`."""

from __future__ import annotations

import shapely
from shapely.geometry import box
from sqlalchemy import select, text
from sqlalchemy.orm import aliased

from mapapp.areas import place_all_resources
from mapapp.importing.boundaries import import_areas
from mapapp.models import Area, AreaParent, Resource, ResourceStatus
from mapapp.storage import Storage
from tests.conftest import write_geojson

# 町丁 squares over the crossing 中学校区 (WEST | EAST at 137.52) and 小学校区 (SOUTH | NORTH at
# 34.71) of conftest; see the picture there.
CHOME = {
    "西南町": box(137.505, 34.702, 137.510, 34.706),  # inside WEST and SOUTH
    "橋本町": box(137.517, 34.712, 137.527, 34.716),  # 30 % WEST, 70 % EAST; NORTH
    "坂上町": box(137.530, 34.708, 137.535, 34.718),  # EAST; 20 % SOUTH, 80 % NORTH
    "境町": box(137.5399, 34.702, 137.5600, 34.704),  # 0.5 % in EAST and SOUTH: slivers only
    "飛地町": box(137.600, 34.800, 137.610, 34.810),  # outside every area
}


def chome_file(tmp_path):
    return write_geojson(
        tmp_path / "chome.geojson",
        [({"name": n, "code": f"C{i}"}, g) for i, (n, g) in enumerate(CHOME.items(), 1)],
    )


def links(storage) -> dict[str, dict[str, tuple[str, float]]]:
    """{町丁: {parent kind: (parent name, share)}}"""
    parent = aliased(Area)
    with storage.reading() as session:
        rows = session.execute(
            select(Area.name, AreaParent.parent_kind, parent.name, AreaParent.share)
            .join(AreaParent, AreaParent.area_id == Area.id)
            .join(parent, parent.id == AreaParent.parent_id)
            .where(Area.layer == 3)
        ).all()
    result: dict[str, dict[str, tuple[str, float]]] = {}
    for name, kind, parent_name, share in rows:
        result.setdefault(name, {})[kind] = (parent_name, round(share, 3))
    return result


def parent_ids(storage) -> dict[str, str | None]:
    with storage.reading() as session:
        areas = {a.id: a for a in session.scalars(select(Area))}
    return {
        a.name: areas[a.parent_id].name if a.parent_id else None
        for a in areas.values()
        if a.layer == 3
    }


def test_each_chome_gets_a_parent_in_each_kind_by_largest_share(tmp_path, storage, crossing_layers):
    import_areas(storage, crossing_layers["junior"], layer=2, kind_label="中学校区")
    import_areas(storage, chome_file(tmp_path), layer=3, kind_label="町丁")
    junior_only = links(storage)
    assert junior_only == {
        "西南町": {"中学校区": ("西中学校区", 1.0)},
        "橋本町": {"中学校区": ("東中学校区", 0.7)},
        "坂上町": {"中学校区": ("東中学校区", 1.0)},
    }
    # Adding a second 第2層 kind adds links; it removes none.
    report = import_areas(storage, crossing_layers["elementary"], layer=2, kind_label="小学校区")
    assert "第3層の 5 区域のうち 3 区域が この小学校区のどれかに入ります" in report.parents
    both = links(storage)
    assert both == {
        "西南町": {"中学校区": ("西中学校区", 1.0), "小学校区": ("南小学校区", 1.0)},
        "橋本町": {"中学校区": ("東中学校区", 0.7), "小学校区": ("北小学校区", 1.0)},
        "坂上町": {"中学校区": ("東中学校区", 1.0), "小学校区": ("北小学校区", 0.8)},
    }  # 境町 overlaps EAST and SOUTH by 0.5 %: a boundary drawn apart, no parent
    # Area.parent_id stays the parent in the kind imported first.
    assert parent_ids(storage) == {
        "西南町": "西中学校区", "橋本町": "東中学校区", "坂上町": "東中学校区",
        "境町": None, "飛地町": None,
    }  # fmt: skip
    # Re-importing either layer recomputes from the shapes and keeps every kind's links.
    import_areas(storage, crossing_layers["junior"], layer=2, kind_label="中学校区")
    import_areas(storage, chome_file(tmp_path), layer=3, kind_label="町丁")
    assert links(storage) == both


def test_a_moved_boundary_moves_the_link_of_its_kind_only(tmp_path, storage, crossing_layers):
    import_areas(storage, crossing_layers["junior"], layer=2, kind_label="中学校区")
    import_areas(storage, crossing_layers["elementary"], layer=2, kind_label="小学校区")
    import_areas(storage, chome_file(tmp_path), layer=3, kind_label="町丁")
    # The 中学校区 boundary moves east to 137.53: 橋本町 now lies wholly in 西中学校区.
    write_geojson(
        crossing_layers["junior"],
        [
            ({"name": "西中学校区", "code": "J1"}, box(137.50, 34.70, 137.53, 34.72)),
            ({"name": "東中学校区", "code": "J2"}, box(137.53, 34.70, 137.54, 34.72)),
        ],
    )
    import_areas(storage, crossing_layers["junior"], layer=2, kind_label="中学校区")
    assert links(storage)["橋本町"] == {
        "中学校区": ("西中学校区", 1.0),
        "小学校区": ("北小学校区", 1.0),
    }


def test_a_layer2_area_links_to_the_city(tmp_path, storage, crossing_layers):
    town = write_geojson(
        tmp_path / "town.geojson", [({"name": "さくら台町"}, box(137.50, 34.70, 137.54, 34.72))]
    )
    import_areas(storage, crossing_layers["junior"], layer=2, kind_label="中学校区")
    report = import_areas(storage, town, layer=1, kind_label="市町村")
    assert report.parents == ["第2層の 2 区域のうち 2 区域が この市町村のどれかに入ります"]
    with storage.reading() as session:
        shares = session.execute(select(AreaParent.parent_kind, AreaParent.share)).all()
    assert shares == [("市町村", 1.0), ("市町村", 1.0)]


def test_migration_carries_existing_parents_over(tmp_path):
    from alembic import command

    storage = Storage(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    command.upgrade(storage._alembic_config(), "0004")
    wkb = shapely.to_wkb(box(137.50, 34.70, 137.52, 34.72))
    with storage.engine.begin() as conn:
        for id_, layer, kind, name, parent in [(1, 2, "中学校区", "西中学校区", None),
                                               (2, 3, "町丁", "西南町", 1)]:  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO area (id, layer, kind_label, name, kana, code, municipality,"
                    " parent_id, geom, min_lon, min_lat, max_lon, max_lat, source, source_key,"
                    " created_at, updated_at) VALUES (:id, :layer, :kind, :name, '', '', '',"
                    " :parent, :geom, 137.5, 34.7, 137.52, 34.72, 'old', :name, '2026-01-01',"
                    " '2026-01-01')"
                ),
                {"id": id_, "layer": layer, "kind": kind, "name": name, "parent": parent,
                 "geom": wkb},
            )  # fmt: skip
    storage.upgrade()
    with storage.reading() as session:
        rows = session.execute(select(AreaParent)).scalars().all()
        assert [(r.area_id, r.parent_kind, r.parent_id, r.share) for r in rows] == [
            (2, "中学校区", 1, None)
        ]
    storage.dispose()


def test_stats_shows_each_layer_and_kind_and_what_lies_in_none(
    tmp_path, storage, crossing_layers, cli
):
    import_areas(storage, crossing_layers["junior"], layer=2, kind_label="中学校区")
    import_areas(storage, crossing_layers["elementary"], layer=2, kind_label="小学校区")
    import_areas(storage, chome_file(tmp_path), layer=3, kind_label="町丁")
    with storage.transaction() as session:
        for key, lat, lon, status in [
            ("in-chome", 34.704, 137.507, ResourceStatus.ACTIVE),  # 西南町, WEST, SOUTH
            ("between-chome", 34.701, 137.51, ResourceStatus.ACTIVE),  # WEST, SOUTH, no 町丁
            ("far", 35.0, 137.9, ResourceStatus.ACTIVE),  # in no area at all
            ("far-closed", 35.0, 137.9, ResourceStatus.CLOSED),  # 終了: not counted
            ("unplaced", None, None, ResourceStatus.ACTIVE),  # 位置なし
        ]:
            session.add(
                Resource(kind="salon", name=key, lat=lat, lon=lon, status=status,
                         source="test", source_key=key)
            )  # fmt: skip
        session.flush()
        place_all_resources(session)
    result = cli("stats")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    summary = lines[
        lines.index("層・種類\t区域数\tどの区域にも入らない資源（位置あり、終了を除く）") :
    ]
    assert summary[1:6] == [
        "第2層\t4\t1",
        "第2層 中学校区\t2\t1",
        "第2層 小学校区\t2\t1",
        "第3層 町丁\t5\t2",
        "位置なし（地図に置けていない資源）\t1",
    ]
