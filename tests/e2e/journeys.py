"""The users' journeys of issue 8, in a real browser against a real server.

Each journey takes a Playwright `page` (a fresh browser context's page), the server's base URL and
what else it needs, walks through the product as its user would, asserts what that user must see
on the way, and returns what it found (links, files, texts) for the test to check further.

The journeys know nothing of the database or of the test's app: they speak HTTP to `base_url`
only, and they get e-mail through `deliver_and_fetch()`, a callable that delivers the outbox (or
waits for a worker to) and returns the messages an SMTP server has received, as
email.message.EmailMessage objects. So the same journey runs against gunicorn on SQLite in
tests/e2e/test_journeys.py and on PostgreSQL with a real outbox worker process in the production
recipe's test. Links in e-mails carry the server's configured base URL (FORUM_BASE_URL); the
journeys keep only their path and open it on `base_url`.

With `screenshots` (a folder), each journey saves its key pages there as
journey<N>-<step>-<what>.png.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

PHONE = {"width": 390, "height": 844}
HALLAND = "halland-beredskap"
HALLAND_TITLE = "Temamöte om långsiktig beredskap i Halland"
JAMTLAND = "jamtland-radet"

Deliver = Callable[[], list[EmailMessage]]

# Links as they appear in e-mails: any base URL, a 43-character token.
REGISTRATION_LINK = re.compile(r"https?://[^\s/]+(?:/[^\s]*?)?(/r/[A-Za-z0-9_-]{43})(?=[\s\"'<>]|$)")
INVITATION_LINK = re.compile(r"https?://[^\s/]+(?:/[^\s]*?)?(/i/[A-Za-z0-9_-]{43})(?=[\s\"'<>]|$)")
SPEAKER_LINK = re.compile(r"https?://[^\s/]+(?:/[^\s]*?)?(/s/[A-Za-z0-9_-]{43})(?=[\s\"'<>]|$)")


# --- shared steps --------------------------------------------------------------------------------


class Camera:
    """Numbered screenshots of one journey: journey1-01-start.png, journey1-02-…"""

    def __init__(self, folder: Path | None, journey: int) -> None:
        self.folder = folder
        self.journey = journey
        self.count = 0
        self.taken: list[Path] = []

    def __call__(self, page, what: str) -> None:
        if self.folder is None:
            return
        self.count += 1
        path = Path(self.folder) / f"journey{self.journey}-{self.count:02d}-{what}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)


def snapshot_email(page, message: EmailMessage, camera: Camera, what: str) -> None:
    """A screenshot of the e-mail as a mail program shows its HTML part (in a page of its own)."""
    if camera.folder is None:
        return
    html = message.get_body(preferencelist=("html",))
    if html is None:
        return
    reader = page.context.new_page()
    try:
        reader.set_content(html.get_content())
        camera(reader, what)
    finally:
        reader.close()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def addressed_to(message: EmailMessage, address: str) -> bool:
    return address.lower() in (message["To"] or "").lower()


def wait_for_message(
    deliver_and_fetch: Deliver, address: str, subject_start: str, seen: int = 0, timeout: float = 20.0
) -> EmailMessage:
    """The newest message to `address` whose subject starts so, among those received after the
    first `seen` of them for that address; delivers and looks again until it is there (a worker
    process may need a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        mine = [m for m in deliver_and_fetch() if addressed_to(m, address)]
        wanted = [m for m in mine[seen:] if (m["Subject"] or "").startswith(subject_start)]
        if wanted:
            return wanted[-1]
        if time.monotonic() > deadline:
            subjects = [m["Subject"] for m in mine]
            raise AssertionError(f"no e-mail {subject_start!r}… to {address} (received for it: {subjects})")
        time.sleep(0.25)


def messages_to(deliver_and_fetch: Deliver, address: str) -> int:
    return len([m for m in deliver_and_fetch() if addressed_to(m, address)])


def link_path(message: EmailMessage, pattern: re.Pattern) -> str:
    match = pattern.search(text_of(message))
    assert match, f"no link matching {pattern.pattern} in the e-mail {message['Subject']!r}"
    return match.group(1)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def download(page, click: Callable[[], None]) -> tuple[str, bytes]:
    """Click something that downloads a file; (suggested file name, content)."""
    with page.expect_download() as info:
        click()
    file = info.value
    return file.suggested_filename, Path(file.path()).read_bytes()


def fetch(page, url: str) -> tuple[str, bytes]:
    """Open a file link as the browser (its cookies, its session); (content type, content)."""
    response = page.context.request.get(url)
    assert response.ok, f"{url} answered {response.status}"
    return response.headers.get("content-type", ""), response.body()


def fits_the_screen(page) -> bool:
    """No sideways scrolling (WCAG 1.4.10 reflow): what a phone user needs to read the page."""
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def arrive(page, url, timeout: float = 15000) -> None:
    """Wait until the page is at `url` (a glob or a pattern); if it does not get there, fail with
    what the page says instead (a form's error messages, say)."""
    try:
        page.wait_for_url(url, timeout=timeout)
    except Exception as error:  # Playwright's TimeoutError
        raise AssertionError(f"expected {url}, still at {page.url}:\n{page.inner_text('main')}") from error


def new_visitor(page):
    """A page in a new browser context of the same browser: another person, with no cookies."""
    return page.context.browser.new_context(viewport=page.viewport_size, locale="sv-SE").new_page()


def fill_registration(page, first: str, last: str, email: str | None, organisation: str = "") -> None:
    """The registration form's own fields (the same on /e/<slug>/register and an invitation's form)."""
    page.get_by_label("Förnamn").fill(first)
    page.get_by_label("Efternamn").fill(last)
    if email is not None:
        page.get_by_label("E-post", exact=False).first.fill(email)
    if organisation and page.get_by_label("Organisation", exact=True).count():
        page.get_by_label("Organisation", exact=True).fill(organisation)


# --- 1. an attendee on a phone -------------------------------------------------------------------


def open_halland_registration() -> None:
    """The data journey 1 needs, made inside an app context before the server starts: after the
    demo data (`flask demo`, or forum.demo.load()), the Halland meeting's owner fixes its date,
    which the demo leaves preliminary (an interest form), so that the registration form with the
    workshops opens. Through the organiser's own service: audited, the same on every database."""
    from sqlalchemy import select

    from forum.auth.models import EventRole, Role
    from forum.events.admin_services import event_form_values, update_event
    from forum.events.models import Event
    from forum.extensions import db

    event = db.session.scalar(select(Event).where(Event.slug == HALLAND))
    owner = db.session.scalar(select(EventRole).where(EventRole.event_id == event.id, EventRole.role == Role.OWNER))
    values = event_form_values(event)
    values.update(date_is_preliminary=False, preliminary_date_text="", organisation_id=event.organisation_id)
    update_event(owner.user, event, values)
    db.session.commit()


def journey_one(
    page,
    base_url: str,
    deliver_and_fetch: Deliver,
    *,
    email: str = "asa.oberg@varberg.example.org",
    screenshots: Path | None = None,
) -> dict:
    """An attendee on a phone opens the start page, picks the Halland theme meeting, registers in
    Swedish with two workshops, gets the confirmation e-mail, opens the personal link from it,
    swaps a workshop, and downloads the calendar file and the ticket.

    Needs the demo data with the Halland meeting's date fixed (open_halland_registration), and
    a page with a phone-sized viewport (PHONE)."""
    shot = Camera(screenshots, 1)
    found: dict = {"fits": {}}
    seen = messages_to(deliver_and_fetch, email)

    page.goto(base_url + "/")
    assert page.locator("h1").inner_text() == "Kommande evenemang"
    found["fits"]["start"] = fits_the_screen(page)
    shot(page, "start")
    page.get_by_role("link", name=HALLAND_TITLE).click()
    arrive(page, f"**/e/{HALLAND}/")
    assert "Anmälan är öppen" in page.inner_text("main")
    found["fits"]["event"] = fits_the_screen(page)
    shot(page, "event")

    page.get_by_role("button", name="Anmäl dig").click()
    arrive(page, f"**/e/{HALLAND}/register")
    assert page.locator("h1").inner_text() == "Anmälan"
    fill_registration(page, "Åsa", "Öberg", email, "Varbergs kommun")
    page.get_by_label("Typ av organisation").select_option(label="Kommun")
    page.get_by_label("Kommun", exact=True).fill("Varberg")
    page.get_by_label("Workshop: Vatten").check()
    page.get_by_label("Workshop: Omsorg och vardagsstöd").check()
    page.get_by_label("Jag samtycker till att mina uppgifter behandlas").check()
    found["fits"]["form"] = fits_the_screen(page)
    shot(page, "form")
    page.get_by_role("button", name="Skicka anmälan").click()
    arrive(page, f"**/e/{HALLAND}/register/thanks")
    found["thanks"] = page.inner_text("main")
    shot(page, "thanks")

    confirmation = wait_for_message(deliver_and_fetch, email, "Bekräftelse", seen)
    found["confirmation"] = text_of(confirmation)
    snapshot_email(page, confirmation, shot, "confirmation-email")
    found["confirmation_attachments"] = sorted(
        part.get_filename() for part in confirmation.iter_attachments() if part.get_filename()
    )
    personal = link_path(confirmation, REGISTRATION_LINK)
    found["personal_path"] = personal

    page.goto(base_url + personal)
    assert page.locator("h1").inner_text() == "Din anmälan"
    found["personal_before"] = page.inner_text("main")
    found["fits"]["personal"] = fits_the_screen(page)
    shot(page, "personal-page")

    # The morning workshop on water is swapped for the one on heat and energy (the same hour).
    page.get_by_role("button", name="Ändra anmälan").click()
    arrive(page, f"**{personal}/edit")
    page.get_by_label("Workshop: Vatten").uncheck()
    page.get_by_label("Workshop: Värme och energi").check()
    shot(page, "edit")
    page.get_by_role("button", name=re.compile("Spara")).click()
    arrive(page, f"**{personal}")
    found["personal_after"] = page.inner_text("main")
    shot(page, "changed")

    name, calendar = download(
        page, lambda: page.get_by_role("button", name=re.compile("Lägg till i kalendern")).click()
    )
    found["calendar_name"], found["calendar"] = name, calendar
    ticket_link = page.get_by_role("link", name=re.compile("biljett", re.IGNORECASE))
    found["ticket_type"], found["ticket"] = fetch(page, base_url + path_of(ticket_link.get_attribute("href")))
    return found


# --- 2. invitees of an invitation-only council -------------------------------------------------


def accept_invitation(page, base_url: str, invitation: str, first: str, last: str, camera: Camera | None = None) -> str:
    """Open the invitation link, accept, register with the form (the address is the invitation's);
    returns the text of the page the invitee ends on."""
    camera = camera or Camera(None, 0)
    page.goto(base_url + invitation)
    assert "Inbjudan" in page.inner_text("main")
    camera(page, "invitation")
    page.get_by_role("button", name="Tacka ja och anmäl mig").click()
    arrive(page, f"**{invitation}/accept")
    fill_registration(page, first, last, None)
    page.get_by_label("Jag samtycker till att mina uppgifter behandlas").check()
    camera(page, "accept-form")
    page.get_by_role("button", name="Skicka anmälan").click()
    arrive(page, re.compile(r".*/r/[A-Za-z0-9_-]{43}$"))  # the registration's own page
    camera(page, "registered")
    return page.inner_text("main")


def journey_two(
    page,
    base_url: str,
    deliver_and_fetch: Deliver,
    accepting: tuple[str, str, str],
    declining: tuple[str, str, str],
    *,
    screenshots: Path | None = None,
) -> dict:
    """Two invitees of the Jämtland council, each in their own browser: one opens the invitation
    e-mail's link, accepts and registers, and gets the confirmation; the other declines with a reason.

    `accepting` and `declining` are (e-mail, first name, last name) of invitees whose invitation
    has been sent. The declining invitee gets a browser context of their own (own cookies)."""
    shot = Camera(screenshots, 2)
    found: dict = {}
    email, first, last = accepting
    invitation = wait_for_message(deliver_and_fetch, email, "Inbjudan")
    found["invitation_subject"] = invitation["Subject"]
    snapshot_email(page, invitation, shot, "invitation-email")
    link = link_path(invitation, INVITATION_LINK)
    seen = messages_to(deliver_and_fetch, email)

    found["accepted_page"] = accept_invitation(page, base_url, link, first, last, shot)
    confirmation = wait_for_message(deliver_and_fetch, email, "", seen)
    found["after_accept_subject"] = confirmation["Subject"]
    found["after_accept"] = text_of(confirmation)
    personal = link_path(confirmation, REGISTRATION_LINK)
    page.goto(base_url + personal)
    found["personal"] = page.inner_text("main")
    shot(page, "personal-page")

    email, first, last = declining
    decline_link = link_path(wait_for_message(deliver_and_fetch, email, "Inbjudan"), INVITATION_LINK)
    page = new_visitor(page)
    page.goto(base_url + decline_link)
    page.get_by_role("button", name="Tacka nej").click()
    arrive(page, f"**{decline_link}/decline")
    page.get_by_label(re.compile("skäl|Skäl|varför|Varför|Meddelande")).fill("Krockar med budgetberedningen.")
    shot(page, "decline-form")
    page.get_by_role("button", name="Tacka nej").click()
    page.wait_for_load_state()
    found["declined_page"] = page.inner_text("main")
    shot(page, "declined")
    page.goto(base_url + decline_link)
    found["declined_invitation"] = page.inner_text("main")
    return found


# --- 3. a speaker ---------------------------------------------------------------------------------


def journey_three(page, base_url: str, deliver_and_fetch: Deliver, email: str, *, screenshots: Path | None = None):
    """A speaker opens the link of the speaker e-mail, sees their sessions and downloads their
    schedule as .ics and .pdf."""
    shot = Camera(screenshots, 3)
    found: dict = {}
    message = wait_for_message(deliver_and_fetch, email, "Du är talare")
    link = link_path(message, SPEAKER_LINK)
    page.goto(base_url + link)
    found["page"] = page.inner_text("main")
    shot(page, "speaker-page")
    found["ics_name"], found["ics"] = download(
        page, lambda: page.get_by_role("link", name="Ladda ner till kalendern (.ics)").click()
    )
    pdf_link = page.get_by_role("link", name="Ladda ner som PDF")
    found["pdf_type"], found["pdf"] = fetch(page, base_url + path_of(pdf_link.get_attribute("href")))
    return found


# --- 4. an organiser ------------------------------------------------------------------------------


def journey_four(
    page,
    base_url: str,
    deliver_and_fetch: Deliver,
    *,
    login: tuple[str, str],
    organisation: str,
    invitees_xlsx: Path,
    accepting: tuple[str, str, str],
    screenshots: Path | None = None,
) -> dict:
    """An organiser logs in, creates an invitation-only event with a programme item and a custom
    question, publishes it, imports the invitees from an .xlsx, sends the invitations; one
    invitee (`accepting`: e-mail, first, last) accepts in their own browser and answers the
    question; the organiser exports the participant list as CSV."""
    shot = Camera(screenshots, 4)
    found: dict = {}
    email, password = login
    page.goto(base_url + "/admin/login")
    shot(page, "login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    arrive(page, "**/admin/")

    page.get_by_role("button", name="Nytt evenemang").click()
    page.get_by_label("Titel").fill("Beredskapsdag för kommunerna i Jämtlands län")
    page.get_by_label("Sammanfattning").fill("Erfarenheter från övningsåret och planering av nästa.")
    page.get_by_label("Värdorganisation").select_option(label=organisation)
    page.get_by_label("Synlighet").select_option(label="Endast inbjudna")
    page.get_by_label("Börjar").fill("2030-04-23T09:00")
    page.get_by_label("Slutar").fill("2030-04-23T15:30")
    page.get_by_label("Ort").fill("Östersund")
    page.get_by_label("Antal platser").fill("40")
    shot(page, "new-event")
    page.get_by_role("button", name="Skapa evenemang").click()
    arrive(page, re.compile(r".*/admin/events/[a-z0-9-]+/$"))
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    found["slug"] = slug
    nav = page.get_by_role("navigation", name="Evenemangets sidor")

    nav.get_by_role("link", name="Program").click()
    page.get_by_role("button", name="Lägg till programpunkt").click()
    page.get_by_label("Titel").fill("Lärdomar från övningsåret")
    page.get_by_label("Typ").select_option(label="Föredrag")
    page.get_by_label("Börjar").fill("2030-04-23T09:30")
    page.get_by_label("Slutar").fill("2030-04-23T10:30")
    page.get_by_role("button", name="Spara").click()
    arrive(page, f"**/admin/events/{slug}/programme*")
    assert "Lärdomar från övningsåret" in page.inner_text("main")
    shot(page, "programme")

    nav.get_by_role("link", name="Anmälningsformulär").click()
    page.get_by_role("textbox", name="Fråga").fill("Vilken förvaltning arbetar du på?")
    page.get_by_label("Typ av svar").select_option(label="Kort text")
    page.get_by_label("Svar krävs").check()
    page.get_by_role("button", name="Lägg till").click()
    page.wait_for_load_state()
    assert "Vilken förvaltning arbetar du på?" in page.inner_text("main")
    shot(page, "question")

    nav.get_by_role("link", name="Översikt").click()
    page.get_by_role("button", name="Publicera").click()
    page.wait_for_load_state()
    found["published"] = page.inner_text("main")
    shot(page, "published")

    nav.get_by_role("link", name="Inbjudna").click()
    page.get_by_role("link", name="Importera fil eller klistra in en lista").click()
    page.get_by_label("Fil (.xlsx eller .csv)").set_input_files(str(invitees_xlsx))
    page.get_by_role("button", name="Ladda upp och granska").click()
    page.wait_for_load_state()
    found["preview"] = page.inner_text("main")
    shot(page, "import-preview")
    assert "3 rader importeras" in found["preview"]
    page.get_by_role("button", name="Importera 3 personer").click()
    arrive(page, f"**/admin/events/{slug}/invitees*")
    found["invitees_page"] = page.inner_text("main")
    shot(page, "invitees")
    page.get_by_role("button", name="Skicka till alla som inte fått någon (3)").click()
    page.wait_for_load_state()
    found["sent_page"] = page.inner_text("main")
    shot(page, "sent")

    # One invitee accepts, in their own browser, and answers the custom question.
    address, first, last = accepting
    invitation = wait_for_message(deliver_and_fetch, address, "Inbjudan")
    found["invitation_subject"] = invitation["Subject"]
    invitee_page = new_visitor(page)
    invitee_page.goto(base_url + link_path(invitation, INVITATION_LINK))
    invitee_page.get_by_role("button", name="Tacka ja och anmäl mig").click()
    fill_registration(invitee_page, first, last, None)
    invitee_page.get_by_label("Vilken förvaltning arbetar du på?").fill("Samhällsbyggnadsförvaltningen")
    invitee_page.get_by_label("Jag samtycker till att mina uppgifter behandlas").check()
    invitee_page.get_by_role("button", name="Skicka anmälan").click()
    invitee_page.wait_for_load_state()
    found["invitee_page"] = invitee_page.inner_text("main")

    nav.get_by_role("link", name="Anmälningar").click()
    arrive(page, f"**/admin/events/{slug}/registrations")
    found["registrations_page"] = page.inner_text("main")
    shot(page, "registrations")
    page.get_by_role("button", name="Exportera listan").click()
    arrive(page, f"**/admin/events/{slug}/exports*")
    page.get_by_label("Vilken förvaltning arbetar du på?").check()  # the custom question's answers too
    shot(page, "export")
    found["csv_name"], found["csv"] = download(
        page, lambda: page.get_by_role("button", name="CSV (UTF-8, kommaseparerad)").click()
    )
    return found
