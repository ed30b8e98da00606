"""The staff API's part of the OpenAPI document: paths, security schemes and schemas."""

from __future__ import annotations

from mapapp.history import FIELD_LABELS
from mapapp.web.params import MAX_ID, ROUTES, Context

# (path, method) → the Flask endpoint that answers it; a test checks both directions.
STAFF_OPERATIONS = {
    ("/api/staff/resources", "post"): "staff_api.create_resource",
    ("/api/staff/resources/{id}", "get"): "staff_api.resource",
    ("/api/staff/resources/{id}", "patch"): "staff_api.change_resource",
    ("/api/staff/resources/{id}/history", "get"): "staff_api.resource_history",
    ("/api/staff/resources/{id}/confirm", "post"): "staff_api.confirm_resource",
    ("/api/staff/resources/{id}/restore", "post"): "staff_api.restore_resource",
    ("/api/staff/review", "get"): "staff_api.review_list",
    ("/api/staff/schedule-reading", "post"): "staff_api.schedule_reading",
    ("/api/staff/corrections", "get"): "staff_api.correction_list",
    ("/api/staff/corrections/{id}/approve", "post"): "staff_api.approve_correction",
    ("/api/staff/corrections/{id}/reject", "post"): "staff_api.reject_correction",
}
SUMMARIES = {
    "staff_api.create_resource": "資源を登録する",
    "staff_api.resource": "資源のすべての項目（版つき。ETag が版）",
    "staff_api.change_resource": "資源を変更する（If-Match か version に、もとにした版）",
    "staff_api.resource_history": "資源の変更履歴",
    "staff_api.confirm_resource": "変わりないことを確認した（最終確認日を今日に）",
    "staff_api.restore_resource": "以前の版の内容に戻す（新しい版として保存）",
    "staff_api.review_list": "要確認の一覧（担当区域の分）",
    "staff_api.schedule_reading": "開催日時の文を読み取った結果（入力中の確認用）",
    "staff_api.correction_list": "住民から届いた修正・新しい場所（担当区域の分）",
    "staff_api.approve_correction": "届いた修正を反映する（fields で直してから反映も可）",
    "staff_api.reject_correction": "届いた修正を見送る",
}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "`mapapp create-token LOGIN` で発行したトークン",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "mapapp_staff",
        "description": "職員ページでログインしたセッション。変更には X-CSRF-Token ヘッダーが必要",
    },
}
_JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_OBJECT = {"application/json": {"schema": {"type": "object"}}}
FIELDS = {
    "type": "object",
    "description": "変更する項目だけ。値は文字（数・真偽・文字の配列も可）",
    "properties": {name: {"description": label} for name, label in FIELD_LABELS.items()}
    | {"version": {"type": "integer", "description": "もとにした版（If-Match の代わり）"}},
    "additionalProperties": False,
}


def _responses(endpoint: str, method: str) -> dict:
    ok = "201" if endpoint == "staff_api.create_resource" else "200"
    responses = {
        ok: {"description": "成功", "content": _OBJECT},
        "400": {"description": "入力の誤り（fields に項目ごとの説明）", "content": _JSON_ERROR},
        "401": {"description": "ログインしていない・トークンが無効", "content": _JSON_ERROR},
        "403": {"description": "役割か担当区域の外", "content": _JSON_ERROR},
        "404": {"description": "見つからない", "content": _JSON_ERROR},
        "405": {"description": "この操作はできない", "content": _JSON_ERROR},
    }
    if endpoint in ("staff_api.change_resource", "staff_api.restore_resource"):
        responses["409"] = {"description": "ほかの人が先に変更した", "content": _JSON_ERROR}
    if endpoint == "staff_api.change_resource":
        responses["428"] = {"description": "もとにした版の指定がない", "content": _JSON_ERROR}
    return responses


def staff_paths(context: Context) -> dict:
    paths: dict[str, dict] = {}
    for (path, method), endpoint in STAFF_OPERATIONS.items():
        operation: dict = {
            "summary": SUMMARIES[endpoint],
            "tags": ["staff"],
            "security": [{"bearer": []}, {"session": []}],
            "parameters": [p.openapi(context) for p in ROUTES[endpoint].params],
            "responses": _responses(endpoint, method),
        }
        if "{id}" in path:
            operation["parameters"].insert(
                0,
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                },
            )
        if endpoint in ("staff_api.change_resource", "staff_api.create_resource"):
            schema = {"$ref": "#/components/schemas/StaffFields"}
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema}},
            }
        paths.setdefault(path, {})[method] = operation
    return paths
