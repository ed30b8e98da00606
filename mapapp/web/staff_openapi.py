"""The staff API's part of the OpenAPI document: paths, security schemes and schemas."""

from __future__ import annotations

from mapapp.history import FIELD_LABELS
from mapapp.matching.intake import NEED_LABELS, VOLUNTEER_LABELS
from mapapp.models import NeedStatus
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
    # Matching (mapapp/web/matching_api.py): personal records, of one's own areas only.
    ("/api/staff/needs", "get"): "matching_api.need_list",
    ("/api/staff/needs", "post"): "matching_api.create_need",
    ("/api/staff/needs/follow-ups", "get"): "matching_api.follow_ups",
    ("/api/staff/needs/{id}", "get"): "matching_api.need",
    ("/api/staff/needs/{id}", "patch"): "matching_api.change_need",
    ("/api/staff/needs/{id}", "delete"): "matching_api.delete_need",
    ("/api/staff/needs/{id}/status", "post"): "matching_api.change_need_status",
    ("/api/staff/needs/{id}/candidates", "get"): "matching_api.candidates",
    ("/api/staff/needs/{id}/proposals", "post"): "matching_api.propose",
    ("/api/staff/proposals/{id}/asked", "post"): "matching_api.proposal_asked",
    ("/api/staff/proposals/{id}/accepted", "post"): "matching_api.proposal_accepted",
    ("/api/staff/proposals/{id}/declined", "post"): "matching_api.proposal_declined",
    ("/api/staff/proposals/{id}/done", "post"): "matching_api.proposal_done",
    ("/api/staff/proposals/{id}/cancelled", "post"): "matching_api.proposal_cancelled",
    ("/api/staff/volunteers", "get"): "matching_api.volunteer_list",
    ("/api/staff/volunteers", "post"): "matching_api.create_volunteer",
    ("/api/staff/volunteers/{id}", "get"): "matching_api.volunteer",
    ("/api/staff/volunteers/{id}", "patch"): "matching_api.change_volunteer",
    ("/api/staff/volunteers/{id}", "delete"): "matching_api.delete_volunteer",
    ("/api/staff/volunteers/{id}/points", "post"): "matching_api.redeem_points",
    ("/api/staff/batch", "post"): "matching_api.batch_proposal",
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
    "matching_api.need_list": "相談（ニーズ）の一覧（担当区域の分。閲覧は監査ログに残ります）",
    "matching_api.create_need": "相談を受け付ける（場所は担当区域の中）",
    "matching_api.follow_ups": "次回確認日が今日まで（today）と今週（this_week）の相談",
    "matching_api.need": "相談の記録すべて（版つき。ETag が版。閲覧は監査ログに残ります）",
    "matching_api.change_need": "相談の内容を変える（If-Match か version に、もとにした版）",
    "matching_api.change_need_status": "相談の状態・次回確認日を変える（状態の履歴に残ります）",
    "matching_api.candidates": "相談に合う担い手と資源（`mapapp candidates --json` の形）",
    "matching_api.propose": "担い手か資源を候補に挙げる（その日の条件で確かめます）",
    "matching_api.proposal_asked": "依頼の連絡をした（本人の同意が必要）",
    "matching_api.proposal_accepted": "引き受けてもらえた（相談は手配済に）",
    "matching_api.proposal_declined": "断られた（この方には今後この担い手を挙げません）",
    "matching_api.proposal_done": "支援が終わった（担い手にポイント）",
    "matching_api.proposal_cancelled": "提案を取りやめる",
    "matching_api.volunteer_list": "担い手の一覧（担当区域の分）",
    "matching_api.create_volunteer": "担い手を登録する（場所は担当区域の中）",
    "matching_api.volunteer": "担い手の記録すべて（ポイントと活動の記録つき。ETag が版）",
    "matching_api.change_volunteer": "担い手の記録を変える（If-Match か version に、もとにした版）",
    "matching_api.redeem_points": "ポイントを交換する（残りを超えては交換できません）",
    "matching_api.batch_proposal": "割り当て案（`mapapp propose --json` の形。記録はしない）",
    "matching_api.delete_need": "相談の記録を削除する（状態の履歴・提案も。元に戻せません）",
    "matching_api.delete_volunteer": "担い手の記録を削除する（進行中の提案があるときは 409）",
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


_CREATED = {
    "staff_api.create_resource",
    "matching_api.create_need",
    "matching_api.create_volunteer",
    "matching_api.propose",
}
_CONFLICTS = {
    "staff_api.change_resource",
    "staff_api.restore_resource",
    "matching_api.change_need",
    "matching_api.change_need_status",
    "matching_api.propose",
    "matching_api.proposal_asked",
    "matching_api.proposal_accepted",
    "matching_api.proposal_declined",
    "matching_api.proposal_done",
    "matching_api.proposal_cancelled",
    "matching_api.change_volunteer",
    "matching_api.redeem_points",
    "matching_api.delete_volunteer",
}
_DELETED = {"matching_api.delete_need", "matching_api.delete_volunteer"}
_VERSIONED = {
    "staff_api.change_resource",
    "matching_api.change_need",
    "matching_api.change_volunteer",
}


def _person_fields(labels: dict[str, str], listed: str) -> dict:
    """A need's or a volunteer's form fields as JSON: texts, ``listed`` as an array or one text
    separated by 、, 本人の同意 as true or false."""
    properties: dict = {name: {"description": label} for name, label in labels.items()}
    properties[listed] |= {
        "type": ["array", "string"],
        "items": {"type": "string"},
        "description": f"{labels[listed]}（コード・名前の配列、または 、区切りの文字）",
    }
    if "consent" in properties:
        properties["consent"] |= {"type": ["boolean", "string"]}
    properties["version"] = {"type": "string", "description": "もとにした版（If-Match の代わり）"}
    return {
        "type": "object",
        "description": "送った項目だけ変わります（登録では書かなかった項目は空）",
        "properties": properties,
        "additionalProperties": False,
    }


_DATE = {"type": "string", "format": "date"}
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
MATCHING_SCHEMAS = {
    "NeedFields": _person_fields(NEED_LABELS, "kinds"),
    "VolunteerFields": _person_fields(VOLUNTEER_LABELS, "skills"),
}
_NEED_FIELDS = {"$ref": "#/components/schemas/NeedFields"}
_VOLUNTEER_FIELDS = {"$ref": "#/components/schemas/VolunteerFields"}
_NOTE = {
    "type": "object",
    "properties": {"note": {"type": "string"}},
    "additionalProperties": False,
}
REQUEST_BODIES: dict[str, tuple[dict, bool]] = {  # endpoint → (schema, required)
    "staff_api.create_resource": ({"$ref": "#/components/schemas/StaffFields"}, True),
    "staff_api.change_resource": ({"$ref": "#/components/schemas/StaffFields"}, True),
    "matching_api.create_need": (_NEED_FIELDS, True),
    "matching_api.change_need": (_NEED_FIELDS, True),
    "matching_api.create_volunteer": (_VOLUNTEER_FIELDS, True),
    "matching_api.change_volunteer": (_VOLUNTEER_FIELDS, True),
    "matching_api.change_need_status": (
        {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": [s.value for s in NeedStatus]},
                "note": {"type": "string"},
                "referred_to": {"type": "string", "description": "つなぎ先（referred のとき）"},
                "follow_up_on": {"type": ["string", "null"], "format": "date"},
            },
            "additionalProperties": False,
        },
        True,
    ),
    "matching_api.propose": (
        {
            "type": "object",
            "properties": {"volunteer_id": _ID, "resource_id": _ID, "as_of": _DATE},
            "description": "volunteer_id か resource_id のどちらか一つ",
            "additionalProperties": False,
        },
        True,
    ),
    **{
        f"matching_api.proposal_{step}": (_NOTE, False)
        for step in ("asked", "accepted", "declined", "done", "cancelled")
    },
    "matching_api.redeem_points": (
        {
            "type": "object",
            "required": ["points"],
            "properties": {
                "points": {"type": "integer", "minimum": 1, "maximum": 999_999},
                "reason": {"type": "string", "description": "交換の内容（商品券など）"},
            },
            "additionalProperties": False,
        },
        True,
    ),
    "matching_api.batch_proposal": (
        {
            "type": "object",
            "required": ["kind"],
            "properties": {
                "kind": {"type": "string", "description": "困りごと（コード・名前・別名）"},
                "area": {**_ID, "description": "この第2層区域の相談だけ"},
                "as_of": _DATE,
            },
            "additionalProperties": False,
        },
        True,
    ),
}


def _responses(endpoint: str, method: str) -> dict:
    ok = "201" if endpoint in _CREATED else "204" if endpoint in _DELETED else "200"
    responses = {
        ok: {"description": "成功"} | ({} if ok == "204" else {"content": _OBJECT}),
        "400": {"description": "入力の誤り（fields に項目ごとの説明）", "content": _JSON_ERROR},
        "401": {"description": "ログインしていない・トークンが無効", "content": _JSON_ERROR},
        "403": {"description": "役割か担当区域の外", "content": _JSON_ERROR},
        "404": {"description": "見つからない", "content": _JSON_ERROR},
        "405": {"description": "この操作はできない", "content": _JSON_ERROR},
    }
    if endpoint in _CONFLICTS:
        responses["409"] = {
            "description": "ほかの人が先に変更した、またはいまの状態ではできない",
            "content": _JSON_ERROR,
        }
    if endpoint in _VERSIONED:
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
        if endpoint in REQUEST_BODIES:
            schema, required = REQUEST_BODIES[endpoint]
            operation["requestBody"] = {
                "required": required,
                "content": {"application/json": {"schema": schema}},
            }
        paths.setdefault(path, {})[method] = operation
    return paths
