"""Token pages are rate-limited, and with Redis the limits hold across app servers.

Login and password reset requests have their limit tested in tests/auth/test_rate_limit.py. Here:
the pages reached by a secret link (every rule of the URL map under /r/, /i/, /s/, /c/ and the
reset link) share one limit per visitor address on wrong links; valid links never count. Then two
gunicorn servers with FORUM_RATELIMIT_STORAGE_URI pointing at the Redis on 127.0.0.1:6379 share
their counters, for the token pages and for login: the limit holds whichever server is asked.
The same two servers with memory storage do not share them (the check can fail).
"""

from __future__ import annotations

import re
import secrets
import socket

import pytest

from forum.ratelimits import TOKEN_PAGES, token_page_endpoints
from tests.live_server import Browser, LiveServer, hidden_value, server_environment
from tests.security import world as worlds

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
LIMIT = 3


@pytest.fixture
def limited_app(database_url):
    from forum import create_app
    from tests.conftest import _test_config

    app = create_app(
        # Without CSRF, so that a POST to a token page reaches the limit (CSRF is tests/security/test_csrf.py's).
        _test_config(
            database_url, RATELIMIT_ENABLED=True, FORUM_TOKEN_RATE_LIMIT=f"{LIMIT} per minute", WTF_CSRF_ENABLED=False
        )
    )
    yield app
    from tests.security.conftest import _cleanup

    _cleanup(app)


def visitor(app, address: str, identity: str | None = None):
    client = worlds.client_as(app, identity)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def wrong(url: str) -> str:
    """The URL with its token changed into one that matches nothing."""
    return re.sub(r"^(/[a-z]/|/admin/password/reset/)[^/]+", lambda m: m.group(1) + "wrong" + secrets.token_hex(4), url)


def token_rules(app):
    return [rule for rule in worlds.get_rules(app) + worlds.post_rules(app) if rule.rule.startswith(TOKEN_PAGES)]


def test_the_token_pages_are_the_link_routes_of_the_url_map(limited_app):
    endpoints = set(token_page_endpoints(limited_app))
    assert {
        "registration.manage",
        "registration.edit",
        "badges.ticket",
        "invitations.invitation",
        "invitations.accept",
        "speakers.page",
        "speakers.schedule_ics",
        "calls.proposal",
        "auth.reset_password",
    } <= endpoints
    assert not {"events.index", "registration.register", "auth.login", "api.scan"} & endpoints


def test_wrong_links_are_limited_on_every_token_page_and_valid_ones_are_not(limited_app):
    world = worlds.build(limited_app)
    rules = token_rules(limited_app)
    assert len(rules) >= 15
    failures = []
    for number, rule in enumerate(rules, start=1):
        method = "GET" if "GET" in rule.methods else "POST"
        url = worlds.url_for(limited_app, rule, world)
        client = visitor(limited_app, f"10.1.{number // 250}.{number % 250}")
        # A person using their own link, again and again, is never held back.
        for _ in range(LIMIT + 2):
            valid = client.open(url, method=method)
            if valid.status_code in (403, 404, 410, 429):
                failures.append(f"{method} {url} ({rule.endpoint}): the valid link answered {valid.status_code}")
                break
        # Someone trying links: the wrong ones answer as usual until the limit, then 429, and from
        # then on the valid link waits too.
        answers = [client.open(wrong(url), method=method).status_code for _ in range(LIMIT + 1)]
        if answers[:LIMIT] != [404] * LIMIT and set(answers[:LIMIT]) - {403, 404, 410}:
            failures.append(f"{method} {wrong(url)} ({rule.endpoint}): wrong links answered {answers[:LIMIT]}")
        if answers[LIMIT] != 429:
            failures.append(f"{method} {wrong(url)} ({rule.endpoint}): try {LIMIT + 1} answered {answers[LIMIT]}")
        if client.open(url, method=method).status_code != 429:
            failures.append(f"{method} {url} ({rule.endpoint}): not refused after the limit")
    assert not failures, "\n".join(failures)


def test_the_limit_is_shared_by_all_token_pages_and_speaks_swedish(limited_app):
    client = visitor(limited_app, "10.2.0.1")
    assert client.get("/r/nope-1").status_code == 404
    assert client.get("/i/nope-2").status_code == 404
    assert client.get("/s/nope-3").status_code == 404
    blocked = client.get("/c/nope-4")
    assert blocked.status_code == 429
    assert "För många försök" in blocked.get_data(as_text=True)
    # Another address is not affected, and pages without a token are not limited.
    assert visitor(limited_app, "10.2.0.2").get("/r/nope-5").status_code == 404
    assert client.get("/").status_code == 200


# --- two servers, one Redis -------------------------------------------------------------------


def _redis():
    redis = pytest.importorskip("redis")
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2):
            pass
    except OSError:
        pytest.fail(f"no Redis on {REDIS_HOST}:{REDIS_PORT}: start redis-server (the CI machine runs one)")
    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=0)


@pytest.fixture
def redis_prefix():
    """A key prefix of this test run; its keys are deleted afterwards."""
    client = _redis()
    prefix = f"forum-test-{secrets.token_hex(6)}"
    yield client, prefix
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def two_servers(database_url: str, storage: str, prefix: str):
    env = server_environment(
        database_url,
        FORUM_RATELIMIT_ENABLED="1",
        FORUM_RATELIMIT_STORAGE_URI=storage,
        FORUM_RATELIMIT_KEY_PREFIX=prefix,
        FORUM_TOKEN_RATE_LIMIT=f"{LIMIT} per minute",
        FORUM_LOGIN_RATE_LIMIT=f"{LIMIT} per minute",
    )
    return (
        LiveServer(env=env, workers=1, threads=2, start_timeout=60),
        LiveServer(env=env, workers=1, threads=2, start_timeout=60),
    )


def alternate(first: LiveServer, second: LiveServer, count: int, request) -> list[int]:
    """Send `count` requests, taking turns between the servers; their statuses."""
    return [request(first if number % 2 == 0 else second) for number in range(count)]


def wrong_link(server: LiveServer) -> int:
    return Browser(server.url).get(f"/r/wrong{secrets.token_hex(8)}").status


def failed_login(server: LiveServer) -> int:
    browser = Browser(server.url)
    page = browser.get("/admin/login")
    token = hidden_value(page.text, "csrf_token")
    return browser.post(
        "/admin/login", {"csrf_token": token, "email": "nobody@example.org", "password": "wrong password!"}
    ).status


def test_two_servers_share_the_counters_in_redis(app, database_url, redis_prefix):
    redis, prefix = redis_prefix
    first, second = two_servers(database_url, f"redis://{REDIS_HOST}:{REDIS_PORT}/0", prefix)
    with first, second:
        assert alternate(first, second, LIMIT + 2, wrong_link) == [404] * LIMIT + [429, 429]
        assert alternate(first, second, LIMIT + 2, failed_login) == [200] * LIMIT + [429, 429]
    keys = [key.decode() for key in redis.scan_iter(match=f"*{prefix}*")]
    assert any("token-pages" in key for key in keys), keys
    assert any("auth.login" in key for key in keys), keys


def test_with_memory_storage_each_server_counts_alone(app, database_url):
    first, second = two_servers(database_url, "memory://", f"forum-test-{secrets.token_hex(6)}")
    with first, second:
        # Each server has seen only half of the requests: no one is refused yet.
        assert alternate(first, second, 2 * LIMIT, wrong_link) == [404] * (2 * LIMIT)
        assert alternate(first, second, 2, wrong_link) == [429, 429]


# --- behind a reverse proxy ----------------------------------------------------------------------


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_proxy_each_visitor_has_its_own_limit_and_cannot_forge_one(database_url, proxies):
    """With FORUM_PROXY_COUNT=1 (nginx in front) the limit is per visitor, by X-Forwarded-For; with 0,
    the header is not trusted, so a client cannot escape its limit by making one up."""
    from forum import create_app
    from tests.conftest import _test_config
    from tests.security.conftest import _cleanup

    app = create_app(
        _test_config(
            database_url,
            RATELIMIT_ENABLED=True,
            FORUM_TOKEN_RATE_LIMIT=f"{LIMIT} per minute",
            FORUM_PROXY_COUNT=proxies,
        )
    )
    try:
        proxy = visitor(app, "10.3.0.1")  # every request arrives from the proxy's address

        def wrong_link(forwarded_for: str) -> int:
            return proxy.get(f"/r/wrong{secrets.token_hex(4)}", headers={"X-Forwarded-For": forwarded_for}).status_code

        assert [wrong_link("198.51.100.7") for _ in range(LIMIT + 1)] == [404] * LIMIT + [429]
        another_visitor = wrong_link("203.0.113.9")
        assert another_visitor == (404 if proxies else 429)
    finally:
        _cleanup(app)
