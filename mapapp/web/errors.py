"""One error shape for the API, plain Japanese error pages for people."""

from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "リクエストの内容に誤りがあります。",
    403: "このページを見る権限がありません。",
    404: "お探しのページは見つかりませんでした。",
    405: "この操作はできません。",
    500: "申し訳ありません。システムで問題が起きました。時間をおいてもう一度お試しください。",
}


class BadParameter(ValueError):
    """A query parameter that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


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
        if _wants_json():
            return api_error(400, "invalid_parameter", exc.message, exc.field)
        return render_template("error.html", status=400, message=exc.message), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = MESSAGES.get(status, exc.description or "")
        if _wants_json():
            return api_error(status, (exc.name or "error").lower().replace(" ", "_"), message)
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_json():
            return api_error(500, "internal_error", MESSAGES[500])
        return render_template("error.html", status=500, message=MESSAGES[500]), 500
