"""地域ささえあいマップ: community resources by 第2層 area, for residents, coordinators, staff."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def create_app(config: dict[str, Any] | None = None, instance_path: str | Path | None = None):
    """Build the Flask app: settings, storage, taxonomy, routes. Nothing happens at import."""
    from flask import Flask

    from mapapp import storage
    from mapapp.config import load_settings
    from mapapp.taxonomy import DEFAULT_TAXONOMY, load_taxonomy
    from mapapp.web import register

    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
        template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
        static_folder=str(Path(__file__).resolve().parent.parent / "static"),
    )
    app.config.update(load_settings(Path(app.instance_path), config))
    app.json.ensure_ascii = False
    storage.init_app(app)
    app.extensions["mapapp.taxonomy"] = load_taxonomy(
        Path(app.config.get("TAXONOMY_PATH") or DEFAULT_TAXONOMY)
    )
    register(app)
    return app
