"""The OpenAPI 3.1 description of the JSON API (and the calendars), its query parameters
generated from the declarations in mapapp.web.params."""

from __future__ import annotations

from mapapp.models import Placement
from mapapp.web.params import MAX_ID, ROUTES, Context
from mapapp.web.staff_openapi import FIELDS, MATCHING_SCHEMAS, SECURITY_SCHEMES, staff_paths

# Each documented path and the Flask endpoint that answers it; a test checks both directions.
PATHS = {
    "/api/areas": "api.areas",
    "/api/resources": "api.resources",
    "/api/resources/{id}": "api.resource",
    "/api/openapi.json": "api.openapi",
    "/resources/{id}.ics": "public.resource_calendar",
    "/areas/{id}.ics": "public.area_calendar",
}


def _query(endpoint: str, context: Context) -> list[dict]:
    return [p.openapi(context) for p in ROUTES[endpoint].params]


def _id(description: str) -> dict:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


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


def openapi_document(context: Context) -> dict:
    kinds = list(context.kinds)
    collection = {"$ref": "#/components/schemas/FeatureCollection"}
    areas = {"$ref": "#/components/schemas/AreaCollection"}
    errors = {
        "400": {"description": "パラメーターの誤り（field がその名前）", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "404": {"description": "見つからない", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }  # fmt: skip
    page_errors = {
        "400": {"description": "パラメーターの誤り（日本語のページ）", "content": {"text/html": {}}},
        "404": {"description": "見つからない（日本語のページ）", "content": {"text/html": {}}},
    }  # fmt: skip
    document = {
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
                    "parameters": _query("api.areas", context),
                    "responses": {
                        "200": {
                            "description": "区域",
                            "content": {"application/geo+json": {"schema": areas}},
                        },
                        **errors,
                    },
                }
            },
            "/api/resources": {
                "get": {
                    "summary": "資源の一覧と検索",
                    "description": "q・near・weekday・date・this_week・free・pickup のどれかがあると検索になり、"
                    "near があれば近い順、なければ名前の一致度順です。どれもなければ id 順の一覧です。"
                    "area・kind・status はどちらでも使えます。status を省くと closed（終了）は入りません。"
                    "書かれていないパラメーター、同じパラメーターの繰り返し、空の値は 400 です。",
                    "parameters": _query("api.resources", context),
                    "responses": {
                        "200": {
                            "description": "資源（検索では properties.distance_m つき）",
                            "content": {"application/geo+json": {"schema": collection}},
                        },
                        **errors,
                    },
                }
            },
            "/api/resources/{id}": {
                "get": {
                    "summary": "資源ひとつ",
                    "parameters": [_id("資源 id"), *_query("api.resource", context)],
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
            "/api/openapi.json": {
                "get": {
                    "summary": "この説明（OpenAPI 3.1）",
                    "parameters": _query("api.openapi", context),
                    "responses": {
                        "200": {
                            "description": "OpenAPI",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **errors,
                    },
                }
            },
            "/resources/{id}.ics": {
                "get": {
                    "summary": "資源の開催日（iCalendar）",
                    "parameters": [_id("資源 id"), *_query("public.resource_calendar", context)],
                    "responses": {
                        "200": {"description": "text/calendar", "content": {"text/calendar": {}}},
                        **page_errors,
                    },
                }
            },
            "/areas/{id}.ics": {
                "get": {
                    "summary": "区域の資源の開催日（iCalendar）、一覧と同じ条件でしぼりこめます",
                    "parameters": [_id("区域 id"), *_query("public.area_calendar", context)],
                    "responses": {
                        "200": {"description": "text/calendar", "content": {"text/calendar": {}}},
                        **page_errors,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": SECURITY_SCHEMES,
            "schemas": {
                "Error": ERROR,
                "StaffFields": FIELDS,
                **MATCHING_SCHEMAS,
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
                "AreaCollection": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"const": "FeatureCollection"},
                        "features": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Area"},
                        },
                    },
                },
                "Area": {
                    "type": "object",
                    "required": ["type", "id", "geometry", "properties"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "id": {"type": "integer"},
                        "geometry": {"type": "object", "description": "a Polygon or MultiPolygon"},
                        "properties": {
                            "type": "object",
                            "required": ["id", "name", "layer", "resource_counts"],
                            "properties": {
                                "id": {"type": "integer"},
                                "name": {"type": "string"},
                                "layer": {"type": "integer", "minimum": 1, "maximum": 3},
                                "kind_label": {"type": "string"},
                                "parent_id": {"type": ["integer", "null"]},
                                "resource_count": {"type": "integer"},
                                "resource_counts": {
                                    "type": "object",
                                    "additionalProperties": {"type": "integer"},
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
            },
        },
    }
    document["paths"].update(staff_paths(context))
    return document
