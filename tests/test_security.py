"""Security baseline: headers, CSRF, safe redirects, error pages without stack traces."""

from __future__ import annotations

import pytest

from forum.auth.policy import public
from forum.security import safe_next


def test_security_headers_and_a_csp_without_unsafe_inline(app, client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(app, client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "<style" not in html


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/e/skane-forum/", "/e/skane-forum/"),
        ("/admin/?x=1", "/admin/?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/admin\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next_only_allows_our_own_paths(target, expected):
    assert safe_next(target, "/") == expected


def test_language_switch_is_remembered_and_redirects_only_locally(app, client):
    response = client.get("/lang/en?next=/past")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/past")
    assert "Past events" in client.get("/past").get_data(as_text=True)
    assert "Upcoming events" in client.get("/").get_data(as_text=True)
    evil = client.get("/lang/sv?next=https://evil.example/")
    assert evil.headers["Location"] in ("/", "http://localhost/")
    assert "Kommande evenemang" in client.get("/").get_data(as_text=True)
    assert client.get("/lang/de").status_code == 404


def test_swedish_is_the_default_and_every_page_has_the_switch(app, client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert 'href="/lang/en?next=/"' in html
    assert "Hoppa till innehållet" in html  # skip link


def test_post_without_csrf_token_is_refused(app, client):
    response = client.post("/admin/logout")
    assert response.status_code == 400
    assert "Formuläret har gått ut" in response.get_data(as_text=True)


def test_server_error_page_has_no_stack_trace(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @public
    def broken():
        raise RuntimeError("secret internals")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = client.get("/broken-for-test")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Något gick fel" in html
    assert "secret internals" not in html and "Traceback" not in html
    client.set_cookie("forum_lang", "en")
    assert "Something went wrong" in client.get("/broken-for-test").get_data(as_text=True)


def test_route_without_a_declared_permission_is_refused(app, client):
    app.add_url_rule("/undeclared-for-test", "undeclared_for_test", lambda: "open")
    assert client.get("/undeclared-for-test").status_code == 403


def test_api_errors_are_json(app, client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.is_json
