"""The OpenAPI 3.1 description of the JSON API."""

from __future__ import annotations

from mapapp.models import Placement
from mapapp.search import DEFAULT_RADIUS_M, MAX_RADIUS_M


def _param(name, description, schema, where="query"):
    return {"name": name, "in": where, "description": description, "schema": schema}


ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string", "examples": ["invalid_parameter", "not_found"]},
                "message": {"type": "string", "description": "日本語の説明"},
                "field": {"type": "string", "description": "誤りのあるパラメーター"},
            },
        }
    },
}


def openapi_document(taxonomy) -> dict:
    kinds = [k.code for k in taxonomy.kinds]
    collection = {"$ref": "#/components/schemas/FeatureCollection"}
    errors = {
        "400": {"description": "パラメーターの誤り", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "404": {"description": "見つからない", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "地域ささえあいマップ API",
            "version": "1",
            "description": "地域資源（通いの場・サロン・相談窓口など）と区域を GeoJSON で返します。"
            "座標は EPSG:4326 の [経度, 緯度] です。個人のお宅（居宅サロン）は丁目までです。",
        },
        "paths": {
            "/api/areas": {
                "get": {
                    "summary": "区域の一覧（種別ごとの資源数つき）",
                    "parameters": [
                        _param(
                            "layer",
                            "1=市町村, 2=日常生活圏域, 3=町丁",
                            {"type": "integer", "minimum": 1, "maximum": 3},
                        )
                    ],
                    "responses": {
                        "200": {
                            "description": "区域",
                            "content": {"application/geo+json": {"schema": collection}},
                        },
                        **errors,
                    },
                }
            },
            "/api/resources": {
                "get": {
                    "summary": "資源の一覧と検索",
                    "description": "q・near・weekday・free・pickup のどれかがあると検索になり、near があれば近い順、"
                    "なければ名前の一致度順です。どれもなければ id 順の一覧です。",
                    "parameters": [
                        _param(
                            "q",
                            "名前・会場・団体・種類（かな・表記ゆれ・小さな誤りを許容）",
                            {"type": "string", "maxLength": 100},
                        ),
                        _param(
                            "near",
                            "緯度,経度（例: 35.04,137.06）",
                            {"type": "string", "pattern": r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$"},
                        ),
                        _param(
                            "radius_m",
                            "near からの半径（メートル）",
                            {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_RADIUS_M,
                                "default": DEFAULT_RADIUS_M,
                            },
                        ),
                        _param(
                            "kind",
                            "種別コード（カンマ区切りで複数）",
                            {"type": "string", "examples": [",".join(kinds[:2])]},
                        ),
                        _param("area", "区域 id", {"type": "integer", "minimum": 1}),
                        _param(
                            "weekday",
                            "この曜日に開いているもの（0=月 … 6=日）",
                            {"type": "integer", "minimum": 0, "maximum": 6},
                        ),
                        _param(
                            "date",
                            "この日に開かれるもの（祝日・年末年始・休みを考慮）",
                            {"type": "string", "format": "date"},
                        ),
                        _param(
                            "this_week",
                            "今日から日曜日までに開かれるもの",
                            {"type": "integer", "enum": [0, 1]},
                        ),
                        _param("free", "無料のものだけ", {"type": "integer", "enum": [0, 1]}),
                        _param("pickup", "送迎のあるものだけ", {"type": "integer", "enum": [0, 1]}),
                        _param(
                            "status",
                            "状態（検索と一緒には使えません）",
                            {"type": "string", "enum": ["preparing", "active", "paused", "closed"]},
                        ),
                        _param(
                            "limit",
                            "1ページの件数",
                            {"type": "integer", "minimum": 1, "default": 100},
                        ),
                        _param(
                            "offset",
                            "先頭から飛ばす件数",
                            {"type": "integer", "minimum": 0, "default": 0},
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "資源（検索では properties.distance_m つき）",
                            "content": {"application/geo+json": {"schema": collection}},
                        },
                        **errors,
                    },
                }
            },
            "/resources/{id}.ics": {
                "get": {
                    "summary": "資源の開催日（iCalendar）",
                    "parameters": [
                        _param("id", "資源 id", {"type": "integer"}, where="path")
                        | {"required": True}
                    ],
                    "responses": {
                        "200": {"description": "text/calendar", "content": {"text/calendar": {}}},
                        "404": {"description": "見つからない"},
                    },
                }
            },
            "/areas/{id}.ics": {
                "get": {
                    "summary": "区域の資源の開催日（iCalendar）",
                    "parameters": [
                        _param("id", "区域 id", {"type": "integer"}, where="path")
                        | {"required": True}
                    ],
                    "responses": {
                        "200": {"description": "text/calendar", "content": {"text/calendar": {}}},
                        "404": {"description": "見つからない"},
                    },
                }
            },
            "/api/resources/{id}": {
                "get": {
                    "summary": "資源ひとつ",
                    "parameters": [
                        _param("id", "資源 id", {"type": "integer"}, where="path")
                        | {"required": True}
                    ],
                    "responses": {
                        "200": {
                            "description": "資源",
                            "content": {
                                "application/geo+json": {
                                    "schema": {"$ref": "#/components/schemas/Feature"}
                                }
                            },
                        },
                        **errors,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": ERROR,
                "Feature": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "id": {"type": "integer"},
                        "geometry": {
                            "type": ["object", "null"],
                            "description": "a Point; null while a resource has no position yet",
                        },
                        "properties": {
                            "type": "object",
                            "required": ["id", "name", "kind", "areas"],
                            "properties": {
                                "id": {"type": "integer"},
                                "name": {"type": "string"},
                                "kind": {"type": "string", "enum": kinds},
                                "areas": {"type": "array", "items": {"type": "object"}},
                                "distance_m": {"type": ["number", "null"]},
                                "placement": {
                                    "type": "string",
                                    "enum": [p.value for p in Placement],
                                    "description": "how the point was found (位置の精度): "
                                    "coordinates 番地, venue 会場, chome 町丁目, oaza 大字, "
                                    "geocoder 住所検索, manual 手入力, none 位置なし",
                                },
                            },
                        },
                    },
                },
                "FeatureCollection": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"const": "FeatureCollection"},
                        "features": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Feature"},
                        },
                        "total": {"type": "integer"},
                        "limit": {"type": "integer"},
                        "offset": {"type": "integer"},
                    },
                },
            }
        },
    }
