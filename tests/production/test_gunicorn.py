"""deploy/gunicorn.conf.py serves the app, and its access log holds no personal data: no query string
(list searches carry names in ?q=), no link token, no visitor's full address."""

from __future__ import annotations

import importlib.util
import re
import secrets
import time
import urllib.request

import pytest
from flask_migrate import upgrade

from forum import create_app
from forum.extensions import db
from tests.production.recipe import GUNICORN_CONF, Gunicorn, environment


def gunicorn_settings():
    spec = importlib.util.spec_from_file_location("forum_gunicorn_conf", GUNICORN_CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_route_with_a_token_is_left_out_of_the_log():
    settings = gunicorn_settings()
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "SERVER_NAME": "localhost"})
    token = secrets.token_urlsafe(32)
    checked = 0
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "token" not in rule.arguments:
                continue
            values = dict.fromkeys(rule.arguments, "x") | {"token": token}
            path = app.url_map.bind("localhost").build(rule.endpoint, values, method=next(iter(rule.methods)))
            assert token in path
            assert token not in settings.private_path(path), f"{rule.rule} would show its token in the log"
            checked += 1
    assert checked >= 10, "the token pages (/r/, /i/, /s/, /c/, password reset) were found"
    assert settings.private_path("/e/halland-beredskap/participants") == "/e/halland-beredskap/participants"


def test_addresses_are_shortened_to_their_network():
    settings = gunicorn_settings()
    assert settings.private_address("203.0.113.77") == "203.0.113.0/24"
    assert settings.private_address("2001:db8:1234:5678::9") == "2001:db8:1234::/48"
    assert settings.private_address("unix:") == "-"


def test_the_settings_follow_the_environment(monkeypatch):
    monkeypatch.setenv("FORUM_WORKERS", "3")
    monkeypatch.setenv("FORUM_PROXY_COUNT", "0")
    settings = gunicorn_settings()
    assert (settings.workers, settings.worker_class, settings.threads) == (3, "gthread", 4)
    assert settings.forwarded_allow_ips == "", "without a proxy no forwarded header is trusted"
    monkeypatch.setenv("FORUM_PROXY_COUNT", "1")
    monkeypatch.setenv("FORUM_FORWARDED_ALLOW_IPS", "10.0.0.10")
    assert gunicorn_settings().forwarded_allow_ips == "10.0.0.10"


@pytest.fixture
def migrated_sqlite(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def mine(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("203.0.113.0/24 ")]


def test_the_access_log_holds_no_personal_data(migrated_sqlite):
    token = secrets.token_urlsafe(32)
    env = environment(migrated_sqlite, FORUM_PROXY_COUNT="1", FORUM_WORKERS="1")
    with Gunicorn(env) as server:
        paths = ["/?q=Anna+Andersson", f"/r/{token}", f"/admin/password/reset/{token}?next=x", "/e/no-such-event/"]
        for path in paths:
            headers = {"X-Forwarded-For": "203.0.113.77"}
            request = urllib.request.Request(server.url + path, headers=headers)  # noqa: S310 - loopback http
            try:
                urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - loopback http
            except urllib.error.HTTPError as error:
                error.close()
        deadline = time.monotonic() + 5  # a line is written just after its response
        while len(mine(server.log())) < len(paths) and time.monotonic() < deadline:
            time.sleep(0.05)
        log = server.log()

    lines = mine(log)  # not the start's probe, which came without a proxy header
    assert len(lines) == len(paths), log
    assert re.fullmatch(r'203\.0\.113\.0/24 \[[^]]+\] "GET / HTTP/1\.1" 200 \d+ \d+\.\d{6}', lines[0]), lines[0]
    assert '"GET /r/… HTTP/1.1" 404' in lines[1]
    assert '"GET /admin/password/reset/… HTTP/1.1"' in lines[2]
    assert '"GET /e/no-such-event/ HTTP/1.1" 404' in lines[3]
    assert "Control socket" not in log, "no control socket in the home directory"
    for secret in (token, "Anna", "Andersson", "?", "203.0.113.77", "next="):
        assert secret not in "\n".join(lines)
