"""The Content-Security-Policy allows no inline code, and no page or template needs any.

Every GET route of the URL map is opened (as an admin, and the public ones also anonymously) in
the world of tests/security/world.py; every HTML answer, error pages included, must carry a CSP
without 'unsafe-inline' or 'unsafe-eval' and must itself hold no inline script, event handler
attribute, style attribute or <style> element, which that CSP would block in the browser. The
templates are read too, so that a branch the walk does not reach is checked as well.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forum.auth.policy import Permission, declared_permission
from tests.security import world as worlds

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+)\s*=", re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """What in this HTML a CSP without 'unsafe-inline' would block."""
    found = []
    for attributes, body in SCRIPT_TAG.findall(html):
        if re.search(r"\bsrc\s*=", attributes):
            continue
        if re.search(r"""\btype\s*=\s*["']application/(ld\+)?json["']""", attributes):
            continue
        if body.strip():
            found.append(f"inline <script{attributes}>: {body.strip()[:60]!r}")
    found += [f"event handler attribute {name}=" for name in HANDLER.findall(html)]
    found += ["style= attribute"] * len(STYLE_ATTRIBUTE.findall(html))
    found += ["<style> element"] * len(STYLE_ELEMENT.findall(html))
    found += ["javascript: URL"] * len(JAVASCRIPT_URL.findall(html))
    return found


def csp_problems(policy: str | None) -> list[str]:
    if not policy:
        return ["no Content-Security-Policy"]
    problems = [word for word in ("'unsafe-inline'", "'unsafe-eval'") if word in policy]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    for name in ("script-src", "style-src"):
        sources = directives.get(name) or directives.get("default-src") or []
        problems += [f"{name} allows {source}" for source in sources if source in ("*", "data:", "http:", "https:")]
    if "default-src" not in directives:
        problems.append("no default-src")
    return problems


@pytest.fixture
def pages(csrf_app, world) -> list[tuple[str, str, object]]:
    """(who, url, response) for every GET route: as the admin, and anonymously where it is public."""
    admin = worlds.client_as(csrf_app, world.admin_identity)
    anonymous = worlds.client_as(csrf_app, None)
    answers = []
    for rule in worlds.get_rules(csrf_app):
        url = worlds.url_for(csrf_app, rule, world)
        answers.append(("admin", url, admin.get(url)))
        if declared_permission(csrf_app.view_functions[rule.endpoint]) == Permission.PUBLIC:
            answers.append(("anonymous", url, anonymous.get(url)))
    # Error pages are pages too.
    answers.append(("anonymous", "/no-such-page", anonymous.get("/no-such-page")))
    answers.append(("anonymous", "/r/wrong-token", anonymous.get("/r/wrong-token")))
    return answers


def test_the_walk_meets_no_server_error(pages):
    errors = [f"{who:9} {response.status_code} {url}" for who, url, response in pages if response.status_code >= 500]
    assert not errors, "\n".join(errors)


def test_every_html_page_has_a_csp_without_inline_allowances(pages):
    html_pages = [(who, url, response) for who, url, response in pages if response.mimetype == "text/html"]
    assert len(html_pages) >= 60, "the walk found too few pages"
    assert sum(response.status_code == 200 for _who, _url, response in html_pages) >= 50
    failures = [
        f"{who:9} {response.status_code} {url}: {problem}"
        for who, url, response in html_pages
        for problem in csp_problems(response.headers.get("Content-Security-Policy"))
    ]
    assert not failures, "\n".join(failures)


def test_no_page_holds_code_that_the_csp_would_block(pages):
    failures = [
        f"{who:9} {response.status_code} {url}: {problem}"
        for who, url, response in pages
        if response.mimetype == "text/html"
        for problem in sorted(set(inline_code(response.get_data(as_text=True))))
    ]
    assert not failures, "\n".join(failures)


def page_templates() -> list[Path]:
    """Every template that becomes (part of) a web page; e-mails are not under the page's CSP."""
    return sorted(path for path in TEMPLATES.rglob("*.html") if "emails" not in path.relative_to(TEMPLATES).parts)


def test_no_template_has_inline_code():
    templates = page_templates()
    assert len(templates) >= 30
    failures = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in templates
        for problem in sorted(set(inline_code(path.read_text())))
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<button onclick="go()">', "event handler attribute onclick="),
        ('<p\n   style="color: red">', "style= attribute"),
        ("<style>p { color: red }</style>", "<style> element"),
        ('<a href="javascript:go()">', "javascript: URL"),
    ],
)
def test_the_checks_can_fail(html, problem):
    assert any(found.startswith(problem) for found in inline_code(html))


def test_the_checks_let_external_and_data_scripts_through():
    html = (
        '<script type="module" src="/static/js/app.js"></script>'
        '<script type="application/json" id="data">{"a": 1}</script>'
        '<p data-style="x" class="one">online</p>'
    )
    assert inline_code(html) == []
    assert csp_problems("default-src 'self'; script-src 'self' 'unsafe-inline'") == ["'unsafe-inline'"]
    assert csp_problems("default-src 'self'; style-src *") == ["style-src allows *"]


RESOURCE = re.compile(
    r"<(script|link|img|iframe|source|audio|video|embed|object|track|input)\b[^>]*?\s(src|href|data|srcset)\s*=\s*\"([^\"]*)\"",
    re.IGNORECASE,
)


def foreign_resources(html: str) -> list[str]:
    """What the page would load from another host (no CDN, fonts or analytics: DESIGN.md)."""
    found = []
    for element, attribute, value in RESOURCE.findall(html):
        for url in (part.strip().split(" ")[0] for part in value.split(",")) if attribute == "srcset" else [value]:
            if url.startswith(("//", "http:", "https:")) and not url.startswith(
                ("http://localhost/", "https://localhost/")
            ):
                found.append(f"<{element} {attribute}={url}>")
    return found


def test_no_page_loads_anything_from_another_host(pages):
    failures = [
        f"{who:9} {response.status_code} {url}: {problem}"
        for who, url, response in pages
        if response.mimetype == "text/html"
        for problem in sorted(set(foreign_resources(response.get_data(as_text=True))))
    ]
    assert not failures, "\n".join(failures)
    assert foreign_resources('<script src="https://cdn.example/x.js"></script><a href="https://msb.se/">MSB</a>') == [
        "<script src=https://cdn.example/x.js>"
    ]
