"""The web layer: blueprints, error pages and security headers. Views stay thin."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, abort, g, request

# Request headers larger than this are refused with 431 by the app itself, in the error shape
# under /api (waitress refuses far larger ones, 256 KiB, in plain text before the app sees
# them). Browsers send a few KiB; this site sets no cookies.
MAX_HEADER_BYTES = 16 * 1024


def register(app: Flask) -> None:
    from mapapp.web import (
        api,
        auth,
        errors,
        matching,
        matching_api,
        public,
        staff,
        staff_api,
        staff_files,
        suggest,
    )

    app.register_blueprint(public.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api")
    app.register_blueprint(staff_api.blueprint, url_prefix="/api/staff")
    app.register_blueprint(staff.blueprint, url_prefix="/staff")
    app.register_blueprint(staff_files.blueprint, url_prefix="/staff")
    app.register_blueprint(matching.blueprint, url_prefix="/staff")
    app.register_blueprint(matching_api.blueprint, url_prefix="/api/staff")
    app.register_blueprint(suggest.blueprint)
    auth.init_app(app)
    errors.init_app(app)
    app.before_request(_make_nonce)
    app.before_request(_check_header_size)
    app.before_request(_read_args)
    app.after_request(_security_headers)
    app.jinja_env.globals["csp_nonce"] = lambda: g.get("csp_nonce", "")


def tile_origin(url: str) -> str:
    """The scheme and host of the tile URL, for the Content-Security-Policy."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _make_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def _check_header_size() -> None:
    size = sum(len(name) + len(value) + 4 for name, value in request.headers.items())
    if size > MAX_HEADER_BYTES:
        abort(431)


def _read_args() -> None:
    """Every route's parameters are read before its view runs, so that a documented route
    refuses an unknown parameter even when the view reads none."""
    from mapapp.web.query import request_args

    request_args()


def _security_headers(response):
    from flask import current_app

    nonce = g.get("csp_nonce", "")
    tiles = tile_origin(current_app.config["TILE_URL"])
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; img-src 'self' data: {tiles}; style-src 'self' 'nonce-{nonce}'; "
        f"script-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
