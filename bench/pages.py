"""Public pages against a bare Flask endpoint, in-process, on a throw-away SQLite database
loaded with the demo. Reports requests per second and the ratio to the bare endpoint."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from flask import Flask

from forum import create_app

REQUESTS = 300


def _rate(client, path: str, count: int = REQUESTS) -> float:
    client.get(path)  # warm up
    start = time.perf_counter()
    for _ in range(count):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return count / (time.perf_counter() - start)


def run() -> dict:
    bare = Flask("bare")
    bare.add_url_rule("/", "bare", lambda: "ok")
    bare_rate = _rate(bare.test_client(), "/")

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SECRET_KEY": "b"})
        with app.app_context():
            from flask_migrate import upgrade

            from forum import demo

            upgrade()
            demo.load(echo=lambda *_: None)
        client = app.test_client()
        results = {"bare_endpoint_rps": round(bare_rate, 1)}
        for name, path in (("front_page", "/"), ("event_page", "/e/halland-beredskap/")):
            rate = _rate(client, path)
            results[f"{name}_rps"] = round(rate, 1)
            results[f"{name}_ratio_to_bare"] = round(rate / bare_rate, 3)
        with app.app_context():
            from forum.extensions import db

            db.engine.dispose()
    return results
