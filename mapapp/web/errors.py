"""One error shape for the API, plain Japanese error pages for people."""

from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from mapapp.search import InvalidSearch
from mapapp.web.auth import Refused, Unauthenticated, sign_in_page

MESSAGES = {
    400: "リクエストの内容に誤りがあります。",
    401: "ログインしてください。",
    403: "このページを見る権限がありません。",
    404: "お探しのページは見つかりませんでした。",
    405: "この操作はできません。",
    409: "ほかの人が先に変更しました。",
    413: "送られたデータが大きすぎます。",
    431: "リクエストのヘッダーが大きすぎます。",
    500: "申し訳ありません。システムで問題が起きました。時間をおいてもう一度お試しください。",
}


CSRF_MESSAGE = (
    "画面を開いてから時間がたったか、別のサイトから送られたため、受け付けませんでした。"
    "ページを開き直してから、もう一度お試しください。"
)


class BadParameter(ValueError):
    """A query parameter that cannot be used; ``field`` names it, ``code`` is the API's
    ``invalid_parameter`` or ``unknown_parameter``."""

    def __init__(self, field: str, message: str, code: str = "invalid_parameter"):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code


def api_error(status: int, code: str, message: str, field: str | None = None):
    body = {"error": {"status": status, "code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    return jsonify(body), status


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app) -> None:
    @app.errorhandler(BadParameter)
    def bad_parameter(exc: BadParameter):
        return _bad_request(exc.field, exc.message, exc.code)

    # The one place a search the domain refuses becomes an answer (views do not catch it).
    @app.errorhandler(InvalidSearch)
    def invalid_search(exc: InvalidSearch):
        return _bad_request(exc.field, str(exc), "invalid_parameter")

    @app.errorhandler(Unauthenticated)
    def unauthenticated(exc: Unauthenticated):
        if _wants_json():
            body, status = api_error(401, "unauthenticated", exc.message)
            return body, status, {"WWW-Authenticate": 'Bearer realm="mapapp staff"'}
        return sign_in_page()

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        if _wants_json():
            return api_error(403, "forbidden", exc.message)
        return render_template("error.html", status=403, message=exc.message), 403

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = MESSAGES.get(status, exc.description or "")
        if status == 403 and exc.description == "csrf":
            message = CSRF_MESSAGE
        if _wants_json():
            body, _ = api_error(status, (exc.name or "error").lower().replace(" ", "_"), message)
        else:
            body = render_template("error.html", status=status, message=message)
        # Keep what the exception says besides its body: Allow on a 405 (RFC 9110).
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return body, status, headers

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_json():
            return api_error(500, "internal_error", MESSAGES[500])
        return render_template("error.html", status=500, message=MESSAGES[500]), 500


def _bad_request(field: str, message: str, code: str):
    if _wants_json():
        return api_error(400, code, message, field)
    return render_template("error.html", status=400, message=message), 400
