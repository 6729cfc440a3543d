"""Accessibility in headless Chromium against a real server (gunicorn on loopback), on the demo data.

- axe-core (npm devDependency, node_modules/axe-core) checks every HTML page of the URL map: public
  pages, an attendee's (/r/<token>), an invitee's (/i/<token>), a speaker's (/s/<token>), a proposer's
  (/c/<token>) and every organiser page, in Swedish and in English, against WCAG 2.0/2.1 A and AA and
  axe's best practices: no serious or critical violation, and no id used twice. Also the forms sent
  empty (error summary, messages by the fields) and the scanner's green, yellow and red answers.
  Four browsers (visitor and organiser, each language) run two at a time; one page each, many URLs.
- The whole registration for the Halland theme meeting can be done with the keyboard alone (Tab,
  Shift+Tab, Space, arrow keys, typing, Enter; no clicks), and every control shows where the focus is.

axe is put into each page with page.evaluate(the file's source): that runs through the DevTools
protocol, which the page's Content-Security-Policy (script-src 'self', no inline) does not govern,
so the page is checked with its real CSP on. add_script_tag(path=…) would not do: Playwright
inserts the file as an inline <script>, which the CSP blocks.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from forum import demo
from forum.badges.services import ensure_code
from forum.checkin import services as checkin
from forum.checkin.models import CheckIn
from forum.db import reading
from forum.events.models import Event, ParticipantListVisibility
from forum.extensions import db
from forum.invitations import services as invitations
from forum.invitations.models import Invitee
from forum.programme import calls, speakers
from forum.programme.models import Proposal, Speaker
from forum.registration import links, municipalities
from forum.registration.models import Registration, RegistrationStatus
from forum.registration.question_services import create_question
from tests.auth.test_route_access import model_for
from tests.e2e.browser import chromium, require_chromium
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "tillganglig-demo-2027"
HALLAND = "halland-beredskap"
JAMTLAND = "jamtland-radet"
SKANE = "skane-forum"

# Not HTML pages (files, feeds, the API, the language switch, uploads, the service worker).
NOT_PAGES = re.compile(r"\.(pdf|ics|json|xml|js|webmanifest)$|^/api/|^/lang/|^/media/|/import/<key>$")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
# axe's violations, plus any id used twice: axe 4.x files duplicate ids under "needs review", but a
# <label for> or aria reference then points at whichever element comes first (WCAG 1.3.1, 4.1.2).
# Hidden inputs (each form's csrf_token) are left out: nothing refers to them and no one perceives them.
RUN_AXE = """async (options) => {
  const result = await axe.run(document, options);
  const violations = result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
  const seen = new Map();
  for (const element of document.querySelectorAll("[id]:not(input[type=hidden])")) {
    seen.set(element.id, (seen.get(element.id) || 0) + 1);
  }
  const twice = [...seen].filter(([, count]) => count > 1).map(([id]) => "#" + id);
  if (twice.length) {
    violations.push({id: "duplicate-id", impact: "critical", help: "ids must be unique", targets: twice});
  }
  return violations;
}"""
BLOCKING = {"serious", "critical"}
EMPTY_SUBMITS = {
    "visitor": [f"/e/{SKANE}/register", f"/e/{HALLAND}/register"],
    "organiser": ["/admin/events/new", "/admin/organisations/new", f"/admin/events/{HALLAND}/programme/new"],
}
EXPECTED_NOT_FOUND = re.compile(r"^(/admin/password/reset/x|/e/[a-z-]+/participants) → 404$")


@dataclass
class Site:
    server: LiveServer
    public: list[str]  # pages for an anonymous visitor (public and token pages)
    organiser: list[str]  # pages behind the organiser login
    scanner: str = ""  # the scanner page with a device token (in the fragment, as the device opens it)
    codes: list[str] = field(default_factory=list)  # badge codes to scan: ok, already checked in, unknown
    skipped: list[str] = field(default_factory=list)


def _tokens() -> dict[str, str]:
    """A demo holder's link token for each kind of personal link."""
    jamtland = db.session.scalar(select(Event).where(Event.slug == JAMTLAND))
    # Halland's date is preliminary in the demo (an interest form, no registrations): an attendee of an
    # event whose participant list attendees may see, so that /r/<token>/participants is a page too.
    registration = db.session.scalar(
        select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.status == RegistrationStatus.CONFIRMED)
        .order_by((Event.participant_list == ParticipantListVisibility.ATTENDEES).desc(), Registration.id)
    )
    invitee = db.session.scalar(select(Invitee).where(Invitee.event_id == jamtland.id).order_by(Invitee.id))
    speaker = db.session.scalar(select(Speaker).order_by(Speaker.id))
    proposal = db.session.scalar(select(Proposal).order_by(Proposal.id))
    return {
        "/r/": links.token_for(registration),
        "/i/": invitations.token_for(invitee),
        "/s/": speakers.token_for(speaker),
        "/c/": calls.token_for(proposal),
    }


def _ids(event: Event) -> dict[type, int]:
    """For each model, a row of the Halland event (or any row) to put in URLs."""
    ids = {}
    for mapper in db.Model.registry.mappers:
        query = select(mapper.primary_key[0]).order_by(mapper.primary_key[0])  # the same on every database
        if "event_id" in mapper.columns:
            query = query.where(mapper.columns["event_id"] == event.id)
        if mapper.class_ is Registration:  # a confirmed one: its badge pages exist
            query = query.where(Registration.status == RegistrationStatus.CONFIRMED)
        found = db.session.scalar(query.limit(1))
        if found is not None:
            ids[mapper.class_] = found
    ids[type(event.organisation)] = event.organisation_id
    return ids


def page_urls(app) -> tuple[list[str], list[str], list[str]]:
    """Every GET route of the URL map, its parameters filled from the demo: (public, organiser, skipped).

    An event route with ids takes the first demo event that has rows of every kind it names (Halland
    has the call for contributions, Skåne the registrations, Jämtland the invitees)."""
    events = [db.session.scalar(select(Event).where(Event.slug == slug)) for slug in (HALLAND, SKANE, JAMTLAND)]
    ids = {event.slug: _ids(event) for event in events}
    tokens = _tokens()
    public, organiser, skipped = [], [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or "GET" not in rule.methods or NOT_PAGES.search(rule.rule):
            skipped.append(rule.rule)
            continue
        models = [
            model_for(name) for name in rule.arguments if isinstance(rule._converters.get(name), IntegerConverter)
        ]
        slug = next((slug for slug in ids if all(model in ids[slug] for model in models)), HALLAND)
        values = {}
        for name in rule.arguments:
            if isinstance(rule._converters.get(name), IntegerConverter):
                values[name] = ids[slug].get(model_for(name), 1)
            elif name == "slug":
                values[name] = slug
            elif name == "token":
                values[name] = next((token for prefix, token in tokens.items() if rule.rule.startswith(prefix)), "x")
            else:
                values[name] = "x"
        url = rule.build(values, append_unknown=False)[1]
        (organiser if rule.rule.startswith("/admin/") and rule.endpoint != "auth.login" else public).append(url)
    # Halland shows the interest form (preliminary date): the registration form is Skåne's; Jämtland is invite-only.
    public += [f"/e/{SKANE}/", f"/e/{SKANE}/register", f"/e/{JAMTLAND}/"]
    return public, organiser, skipped


def scanner_states(event: Event) -> tuple[str, list[str]]:
    """The scanner's address for a new device of the event, and codes that show each kind of answer."""
    _device, token = checkin.create_device(event, "Entré B")
    checked_in = set(db.session.scalars(select(CheckIn.registration_id).where(CheckIn.event_id == event.id)))
    confirmed = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.id)
    ).all()
    fresh = next(r for r in confirmed if r.id not in checked_in)
    again = next(r for r in confirmed if r.id in checked_in)
    codes = [ensure_code(fresh).code, ensure_code(again).code, "ZZZZ9999"]
    return f"/admin/events/{event.slug}/checkin/device#token={token}&entrance=Entr%C3%A9%20B", codes


@pytest.fixture
def site(app, database_url, monkeypatch):
    """The demo data (`flask demo`) behind a live server; the test keeps plain values only."""
    require_chromium()
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (make assets)")
    monkeypatch.setenv("FORUM_ADMIN_EMAIL", ADMIN_EMAIL)
    monkeypatch.setenv("FORUM_ADMIN_PASSWORD", ADMIN_PASSWORD)
    demo.load(echo=lambda *_: None)
    skane = db.session.scalar(select(Event).where(Event.slug == SKANE))
    create_question(None, skane, {"label": "Vilken buss tar du?", "kind": "single_choice", "options": "10\n20"})
    public, organiser, skipped = page_urls(app)
    scanner, codes = scanner_states(skane)
    db.session.commit()  # token_for may have given a holder a fresh link
    db.session.rollback()
    server = LiveServer(database_url, workers=2, threads=4)
    try:
        server.start()
        yield Site(server, public, organiser, scanner, codes, skipped)
    finally:
        server.close()


def log_in(page, base: str) -> None:
    page.goto(f"{base}/admin/login")
    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/(\?.*)?$"))


def check_pages(page, base: str, urls: list[str], axe_source: str) -> tuple[dict[str, list], list[str]]:
    """axe's violations on each page ({url: [violation]}), and the pages that did not answer 200."""
    found, not_ok = {}, []
    for url in urls:
        response = page.goto(base + url)
        if response is None or response.status != 200:
            not_ok.append(f"{url} → {response.status if response else 'no response'}")
        if "text/html" not in (response.headers.get("content-type", "") if response else ""):
            continue
        page.evaluate(axe_source)
        violations = page.evaluate(RUN_AXE, AXE_OPTIONS)
        if violations:
            found[url] = violations
    return found, not_ok


def switch_language(page, base: str, code: str) -> None:
    page.goto(f"{base}/lang/{code}?next=/")
    assert page.locator("html").get_attribute("lang") == code


def report(found: dict[str, list]) -> str:
    lines = []
    for url, violations in found.items():
        for v in violations:
            lines.append(f"{v['impact']:9} {url}  {v['id']}: {v['help']}  {v['targets']}")
    return "\n".join(lines)


def check_scanner(page, base: str, scanner: str, codes: list[str], axe_source: str) -> dict[str, list]:
    """The scanner page as a device opens it, and its answer overlay for each code typed by a
    keyboard-wedge scanner (green, yellow, red): axe on each."""
    found = {}
    page.goto(base + scanner)
    page.wait_for_selector("body[data-ready='1']")
    page.evaluate(axe_source)
    violations = page.evaluate(RUN_AXE, AXE_OPTIONS)
    if violations:
        found["scanner"] = violations
    colours = []
    for code in codes:
        page.fill("#wedge", code)
        page.press("#wedge", "Enter")
        page.wait_for_selector("#result:not([hidden])")
        colours.append(page.get_attribute("#result", "class"))
        violations = page.evaluate(RUN_AXE, AXE_OPTIONS)
        if violations:
            found[f"scanner answer to {code} ({page.get_attribute('#result', 'data-result')})"] = violations
        page.click("#result-close")
        page.wait_for_selector("#result", state="hidden")
    # The first code checks someone in (green; already checked in, yellow, once the first language
    # did), the second was checked in by the demo (yellow), the third is unknown (red).
    assert colours[1:] == ["result result-warn", "result result-stop"], colours
    assert colours[0] in ("result result-ok", "result result-warn"), colours
    return found


def axe_run(
    urls: list[str], base: str, language: str, *, organiser: bool, scanner: str = "", codes=()
) -> tuple[dict, list[str]]:
    """One browser, one language: log in if asked, then axe on every page. Runs in its own thread."""
    axe_source = AXE.read_text()
    with chromium(viewport={"width": 1280, "height": 900}) as context:
        page = context.new_page()
        if organiser:
            log_in(page, base)
        switch_language(page, base, language)
        found, not_ok = check_pages(page, base, urls, axe_source)
        if scanner:
            found.update(check_scanner(page, base, scanner, codes, axe_source))
        # Forms sent empty: the error summary and the messages next to the fields.
        for url in EMPTY_SUBMITS["organiser" if organiser else "visitor"]:
            page.goto(base + url)
            page.locator("main form[method=post] button[type=submit]").last.click()
            page.wait_for_selector(".error-summary")
            page.evaluate(axe_source)
            violations = page.evaluate(RUN_AXE, AXE_OPTIONS)
            if violations:
                found[f"{url} (sent empty)"] = violations
    return {f"[{language}] {url}": v for url, v in found.items()}, not_ok


def test_axe_can_fail():
    """The checker itself: on a page with an unlabelled button and an image without alt, axe reports
    them as critical (so an empty result on our pages means something)."""
    require_chromium()
    with chromium() as context:
        page = context.new_page()
        page.set_content('<html lang="sv"><title>t</title><main><img src="x.png"><button></button></main></html>')
        page.evaluate(AXE.read_text())
        found = {v["id"]: v["impact"] for v in page.evaluate(RUN_AXE, AXE_OPTIONS)}
    assert found.get("image-alt") == "critical"
    assert found.get("button-name") == "critical"


def test_axe_finds_no_serious_violation_on_any_page_in_swedish_and_english(site):
    base = site.server.url
    started = time.monotonic()
    assert any(url.startswith("/r/") for url in site.public), site.public
    assert any(url.startswith("/i/") for url in site.public)
    assert any(url.startswith("/s/") for url in site.public)
    assert any(url.startswith("/tillganglighet") for url in site.public)
    assert len(site.organiser) >= 40, site.organiser

    # Four browsers (visitor and organiser, Swedish and English), two at a time: the machine has two cores.
    jobs = [
        (urls, language, who == "organiser")
        for language in ("sv", "en")
        for who, urls in (("visitor", site.public), ("organiser", site.organiser))
    ]
    found, not_ok = {}, []
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(
                axe_run,
                urls,
                base,
                language,
                organiser=organiser,
                scanner="" if organiser else site.scanner,
                codes=site.codes,
            )
            for urls, language, organiser in jobs
        ]
        for future in futures:
            pages_found, failed = future.result()
            found.update(pages_found)
            not_ok += failed

    elapsed = time.monotonic() - started
    checked = 2 * (len(site.public) + len(site.organiser))
    print(f"axe checked {checked} pages in {elapsed:.0f} s")
    if found:
        print(report(found))
    blocking = {
        url: [v for v in violations if v["impact"] in BLOCKING]
        for url, violations in found.items()
        if any(v["impact"] in BLOCKING for v in violations)
    }
    assert not blocking, "serious or critical axe violations:\n" + report(blocking)
    # Real pages, not error pages; the exceptions are links that do not exist on purpose (a made-up
    # password-reset token, Halland's hidden participant list): their error pages are checked too.
    unexpected = [line for line in not_ok if not EXPECTED_NOT_FOUND.search(line)]
    assert not unexpected, unexpected


# --- the registration with the keyboard alone ----------------------------------------------------------


@dataclass
class Door:
    server: LiveServer
    slug: str


@pytest.fixture
def halland(app, database_url, monkeypatch):
    """The demo's Halland theme meeting with its date set (so the registration form, not the interest
    form, is shown), behind a live server."""
    require_chromium()
    monkeypatch.setenv("FORUM_ADMIN_EMAIL", ADMIN_EMAIL)
    monkeypatch.setenv("FORUM_ADMIN_PASSWORD", ADMIN_PASSWORD)
    demo.load(echo=lambda *_: None)
    event = db.session.scalar(select(Event).where(Event.slug == HALLAND))
    event.date_is_preliminary = False
    db.session.commit()
    db.session.rollback()
    server = LiveServer(database_url, workers=1, threads=4)
    try:
        server.start()
        yield Door(server, HALLAND)
    finally:
        server.close()


# What the focused element is, and whether the focus shows: an outline (forum.css's :focus-visible) or
# Pico's focus ring (a box-shadow), on the element or, for a checkbox, the label around it.
FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const width = parseFloat(style.outlineWidth) || 0;
  return {
    tag: element.tagName.toLowerCase(), id: element.id, type: element.type || "", name: element.name || "",
    text: (element.innerText || element.value || "").trim().slice(0, 60),
    outline: style.outlineStyle !== "none" && width >= 2, ring: style.boxShadow !== "none",
    focusVisible: element.matches(":focus-visible"),
    checked: !!element.checked, value: element.value || "",
  };
}"""

TYPED = {
    "first_name": "Åsa",
    "last_name": "Öberg",
    "email": "asa.oberg@example.org",
    "organisation": "Region Halland",
    "municipality": "Halmstad",
}
TICKED = {"focus_areas-0", "workshops-0", "workshops-3", "privacy_consent"}


def test_the_whole_registration_can_be_done_with_the_keyboard_alone(halland):
    base = halland.server.url
    visited, unseen_focus = [], []
    with chromium(viewport={"width": 1280, "height": 900}) as context:
        page = context.new_page()
        page.goto(f"{base}/e/{halland.slug}/register")
        assert page.inner_text("h1") == "Anmälan"

        # First Tab: the skip link, shown when focused; Enter moves the focus to the content.
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["text"] == "Hoppa till innehållet" and focused["outline"], focused
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"

        went_back = False
        for _ in range(120):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            visited.append(focused["id"] or focused["text"])
            if not (focused["outline"] or focused["ring"]) or not focused["focusVisible"]:
                unseen_focus.append(focused)
            if focused["id"] in TYPED:
                page.keyboard.type(TYPED[focused["id"]])
                if focused["id"] == "last_name" and not went_back:
                    # Shift+Tab goes back to the first name, which kept what was typed.
                    page.keyboard.press("Shift+Tab")
                    assert page.evaluate(FOCUSED)["value"] == "Åsa"
                    page.keyboard.press("Tab")
                    went_back = True
            elif focused["id"] == "organisation_type":
                page.keyboard.press("ArrowDown")  # a closed select takes the next option
                assert page.evaluate(FOCUSED)["value"], "the organisation type did not change"
            elif focused["id"] in TICKED:
                page.keyboard.press("Space")
                assert page.evaluate(FOCUSED)["checked"], focused["id"]
            elif focused["tag"] == "button" and focused["type"] == "submit":
                page.keyboard.press("Enter")
                break
        else:
            pytest.fail(f"Tab never reached the submit button; the focus went through {visited}")

        page.wait_for_url(re.compile(r"/register/thanks"))
        assert page.inner_text("h1") == "Tack!"
        assert "Vi har tagit emot anmälan" in page.inner_text("main")

    assert went_back
    assert {"first_name", "email", "workshops-3", "privacy_consent"} <= set(visited), visited
    assert not unseen_focus, f"focus not visible on: {unseen_focus}"
    with reading():
        db.session.rollback()  # the server wrote in its own process
        registration = db.session.scalar(select(Registration).where(Registration.email == "asa.oberg@example.org"))
        found = (
            registration.first_name,
            registration.organisation,
            municipalities.label(registration.municipality_code),
            sorted(signup.programme_item.title for signup in registration.signups),
        )
        db.session.rollback()
    assert found == (
        "Åsa",
        "Region Halland",
        "Halmstad (Hallands län)",
        ["Workshop: Omsorg och vardagsstöd", "Workshop: Vatten"],
    )
