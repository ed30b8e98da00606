"""The web layer: blueprints, error pages and security headers. Views stay thin."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from mapapp.web import api, errors, public

    app.register_blueprint(public.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api")
    errors.init_app(app)
    app.after_request(_security_headers)


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
