"""Every POST without a CSRF token is refused, whoever sends it, and changes nothing.

The URL map is walked, so a route added later is covered without touching this file. The
requests come from a logged-in admin (the one user every route lets through) and point at real
objects of the world (tests/security/world.py), with real link tokens: a route that forgot the
check would act on something, and the snapshot of every table would show it.

The /api/v1 blueprint is exempt from the CSRF check by design: it authenticates by a device token
in the Authorization header, which a browser never adds to a cross-site request by itself. What
must hold there instead: a request with only the session cookie (an admin's!) is refused.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from forum.auth.policy import public
from forum.extensions import csrf
from tests.security import world as worlds

API_PREFIX = "/api/v1/"
# The one form route exempt by design, and why. It is authorised by the secret in its URL, which
# only the person's own mail carries; what must hold for it is tested below.
EXEMPT_BY_DESIGN = {
    "mail_unsubscribe.unsubscribe_now": "RFC 8058 one-click unsubscription: the mail provider POSTs, without cookie",
}
# What a browser form would carry; no csrf_token.
FORM = {"email": "someone@example.org", "name": "Någon", "confirm": "1", "text": "hej", "bio": "hej"}


def _is_api(rule: Rule) -> bool:
    return rule.rule.startswith(API_PREFIX)


def csrf_failures(app, world: worlds.SecurityWorld, rules: list[Rule]) -> list[str]:
    client = worlds.client_as(app, world.admin_identity)
    failures = []
    for rule in rules:
        url = worlds.url_for(app, rule, world)
        with app.app_context():
            before = worlds.snapshot()
        response = client.post(url, data=FORM)
        with app.app_context():
            changed = worlds.changed_tables(before, worlds.snapshot())
        html = response.get_data(as_text=True)
        if response.status_code != 400 or "Formuläret har gått ut" not in html:
            failures.append(f"POST {url} ({rule.endpoint}) answered {response.status_code}, not the CSRF refusal")
        if changed:
            failures.append(f"POST {url} ({rule.endpoint}) changed {', '.join(changed)}")
    return failures


def test_every_post_without_a_csrf_token_is_refused(csrf_app, world):
    rules = [
        rule for rule in worlds.post_rules(csrf_app) if not _is_api(rule) and rule.endpoint not in EXEMPT_BY_DESIGN
    ]
    assert len(rules) >= 50, "the URL map looks too small"
    failures = csrf_failures(csrf_app, world, rules)
    assert not failures, "\n".join(failures)


def test_the_exempt_unsubscription_needs_the_secret_of_its_url(csrf_app, world):
    endpoints = {rule.endpoint for rule in csrf_app.url_map.iter_rules()}
    assert set(EXEMPT_BY_DESIGN) <= endpoints, "a route exempt by design is gone: update EXEMPT_BY_DESIGN"
    client = worlds.client_as(csrf_app, world.admin_identity)
    with csrf_app.app_context():
        before = worlds.snapshot()
    for token in ("x", world.tokens["/i/"], world.tokens["/r/"][:-1]):
        response = client.post(f"/r/{token}/unsubscribe", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 404
    with csrf_app.app_context():
        assert worlds.changed_tables(before, worlds.snapshot()) == []


def test_the_same_post_with_its_token_gets_through(csrf_app, world):
    """The refusal above is about the token: the same admin with the page's token is let in."""
    client = worlds.client_as(csrf_app, world.admin_identity)
    page = client.get(f"/admin/events/{world.slug}/rooms")
    from tests.conftest import csrf_from

    token = csrf_from(page.get_data(as_text=True))
    response = client.post(f"/admin/events/{world.slug}/rooms", data={"csrf_token": token, "name": "Lilla salen"})
    assert response.status_code in (200, 302, 303)
    assert "Lilla salen" in client.get(f"/admin/events/{world.slug}/rooms").get_data(as_text=True)


def test_the_walk_finds_a_route_that_skips_the_check(csrf_app, world):
    @public
    def forgetful():
        return "done"

    csrf.exempt(forgetful)
    csrf_app.add_url_rule("/forgetful-for-test", "forgetful_for_test", forgetful, methods=["POST"])
    rule = next(rule for rule in csrf_app.url_map.iter_rules() if rule.endpoint == "forgetful_for_test")
    failures = csrf_failures(csrf_app, world, [rule])
    assert failures == ["POST /forgetful-for-test (forgetful_for_test) answered 200, not the CSRF refusal"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_api_routes_refuse_the_session_cookie_without_a_device_token(csrf_app, world, method):
    rules = [
        rule
        for rule in csrf_app.url_map.iter_rules()
        if _is_api(rule) and method in rule.methods and rule.endpoint != "api.openapi"
    ]
    assert rules, f"no {method} routes in the API"
    client = worlds.client_as(csrf_app, world.admin_identity)
    failures = []
    for rule in sorted(rules, key=lambda rule: rule.rule):
        url = worlds.url_for(csrf_app, rule, world)
        with csrf_app.app_context():
            before = worlds.snapshot()
        response = client.open(url, method=method, json={"code": "ANYTHING"})
        with csrf_app.app_context():
            changed = worlds.changed_tables(before, worlds.snapshot())
        if response.status_code != 401 or not response.is_json:
            failures.append(f"{method} {url} with only the session cookie answered {response.status_code}")
        if changed:
            failures.append(f"{method} {url} with only the session cookie changed {', '.join(changed)}")
    assert not failures, "\n".join(failures)
    # The same request with the device token is accepted: the refusal was about the credential.
    if method == "GET":
        ok = client.get(
            f"/api/v1/events/{world.slug}/checkin-list", headers={"Authorization": f"Bearer {world.device_token}"}
        )
        assert ok.status_code == 200 and ok.json["entries"]
