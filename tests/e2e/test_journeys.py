"""The users' journeys (tests/e2e/journeys.py) in headless Chromium against gunicorn, with the demo
data loaded and e-mail delivered to a real SMTP server on loopback.

The server runs with the outbox kept (tests/live_server.server_environment): the test delivers it
with the mail worker, from its own process, whenever a journey waits for an e-mail. The test reads
the database only between its own steps and ends every transaction at once: outside a request a
SQLite transaction begins IMMEDIATE and would hold the write lock the server needs.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import icalendar
import pypdfium2 as pdfium
import pytest
from openpyxl import Workbook
from sqlalchemy import select

from forum import demo
from forum.auth.models import EventRole, Role
from forum.auth.services import create_user
from forum.db import reading
from forum.events.models import Event
from forum.extensions import db
from forum.invitations import sending
from forum.invitations.models import InvitationState, Invitee
from forum.mail import worker
from forum.programme import speakers
from forum.programme.models import Speaker
from forum.registration.models import Registration, RegistrationStatus, SignupStatus
from tests.e2e import journeys
from tests.e2e.browser import chromium, require_chromium
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "Demo-lösenord-för-resorna-1"


@dataclass
class Site:
    """The demo data in the test database and, once started, gunicorn serving it."""

    database_url: str
    smtp: object
    server: LiveServer | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> Site:
        db.session.commit()
        db.session.rollback()  # the test holds no transaction while the server runs
        self.server = LiveServer(self.database_url, workers=1, threads=4).start()
        return self

    def deliver_and_fetch(self) -> list:
        """Deliver the outbox to the SMTP server (as `flask outbox send` does); every message received."""
        worker.deliver_due()
        db.session.rollback()
        return list(self.smtp.messages)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


@pytest.fixture
def site(app, database_url, smtp_server, monkeypatch):
    require_chromium()
    monkeypatch.setenv("FORUM_ADMIN_EMAIL", "admin@example.org")
    monkeypatch.setenv("FORUM_ADMIN_PASSWORD", ADMIN_PASSWORD)
    demo.load(echo=lambda *_: None)
    site = Site(database_url, smtp_server)
    try:
        yield site
    finally:
        site.close()


def browser(**options):
    """A Swedish-speaking browser (its Accept-Language), as the journeys' users have."""
    return chromium(locale="sv-SE", **options)


def read(query):
    """One fresh read of what the server wrote, begun DEFERRED and ended at once."""
    with reading():
        db.session.rollback()
        result = query()
        db.session.rollback()
    return result


# --- 1 ---------------------------------------------------------------------------------------------


def test_an_attendee_registers_on_a_phone_and_manages_the_registration(site, screenshots):
    journeys.open_halland_registration()
    site.start()
    with browser(viewport=journeys.PHONE, is_mobile=True, has_touch=True, accept_downloads=True) as context:
        found = journeys.journey_one(context.new_page(), site.url, site.deliver_and_fetch, screenshots=screenshots)

    assert all(found["fits"].values()), f"pages wider than the phone: {found['fits']}"
    assert "Tack!" in found["thanks"]
    confirmation = found["confirmation"]
    assert "Din plats på Temamöte om långsiktig beredskap i Halland är bekräftad" in confirmation
    assert "Workshop: Vatten" in confirmation and "Workshop: Omsorg och vardagsstöd" in confirmation
    attachments = found["confirmation_attachments"]
    assert "ticket.pdf" in attachments and any(name.endswith(".ics") for name in attachments)

    before, after = found["personal_before"], found["personal_after"]
    assert "Bekräftad" in before and "Workshop: Vatten" in before
    assert "Workshop: Värme och energi" in after and "Workshop: Vatten" not in after
    # In the order of the day: the changed morning workshop before the afternoon one.
    assert after.index("Workshop: Värme och energi") < after.index("Workshop: Omsorg och vardagsstöd")

    calendar = icalendar.Calendar.from_ical(found["calendar"])
    entries = {str(entry["SUMMARY"]): entry for entry in calendar.walk("VEVENT")}
    # The day and the attendee's own sessions after the change, at their times in Stockholm.
    assert sorted(entries) == [
        journeys.HALLAND_TITLE,
        "Workshop: Omsorg och vardagsstöd",
        "Workshop: Värme och energi",
    ]
    start = entries["Workshop: Värme och energi"].decoded("DTSTART")
    assert (start.astimezone(demo.ZONE).hour, start.astimezone(demo.ZONE).minute) == (10, 45)
    assert found["calendar_name"].endswith(".ics")
    assert found["ticket_type"].startswith("application/pdf")
    assert found["ticket"].startswith(b"%PDF")

    def registration():
        return db.session.scalar(select(Registration).where(Registration.email == "asa.oberg@varberg.example.org"))

    def state():
        r = registration()
        return r.status, sorted((s.programme_item.title, s.status) for s in r.signups)

    status, signups = read(state)
    assert status == RegistrationStatus.CONFIRMED
    assert signups == [
        ("Workshop: Omsorg och vardagsstöd", SignupStatus.CONFIRMED),
        ("Workshop: Värme och energi", SignupStatus.CONFIRMED),
    ]


# --- 2 ---------------------------------------------------------------------------------------------

GUNNEL = ("gunnel.persson@ragunda.example.org", "Gunnel", "Persson")
MIKAEL = ("mikael.jonsson@lrf.example.org", "Mikael", "Jonsson")


def test_invitees_of_the_council_accept_and_decline_from_the_e_mail(site, screenshots):
    event = db.session.scalar(select(Event).where(Event.slug == journeys.JAMTLAND))
    invitees = db.session.scalars(
        select(Invitee).where(Invitee.event_id == event.id, Invitee.email.in_([GUNNEL[0], MIKAEL[0]]))
    ).all()
    assert sending.send_invitations(event, invitees) == 2
    site.start()
    with browser(accept_downloads=True) as context:
        found = journeys.journey_two(
            context.new_page(), site.url, site.deliver_and_fetch, GUNNEL, MIKAEL, screenshots=screenshots
        )

    assert found["invitation_subject"] == "Inbjudan: Regionala rådet för samhällsberedskap"
    # The council's fourteen seats are taken (one per member; Ragunda's is Lena Åkesson's): the
    # second person from Ragunda is registered on the waiting list, sees so, and is told so by e-mail.
    assert "Du är nummer 3 på väntelistan." in found["accepted_page"]
    assert "Gunnel Persson" in found["accepted_page"]
    assert found["after_accept_subject"] == "Väntelista: Regionala rådet för samhällsberedskap"
    assert "du står på väntelistan som nummer 3" in found["after_accept"]
    assert "Du är nummer 3 på väntelistan." in found["personal"]
    assert "Du har tackat nej till inbjudan." in found["declined_page"]
    assert "Du har tackat nej till inbjudan." in found["declined_invitation"]

    def answers():
        rows = db.session.scalars(
            select(Invitee).where(Invitee.event_id == event.id, Invitee.email.in_([GUNNEL[0], MIKAEL[0]]))
        )
        return {i.email: (i.state, i.decline_reason) for i in rows}

    def gunnel():
        r = db.session.scalar(select(Registration).where(Registration.email == GUNNEL[0]))
        return r.status, r.first_name, r.last_name

    assert read(answers) == {
        GUNNEL[0]: (InvitationState.REGISTERED, ""),
        MIKAEL[0]: (InvitationState.DECLINED, "Krockar med budgetberedningen."),
    }
    assert read(gunnel) == (RegistrationStatus.WAITING, "Gunnel", "Persson")


# --- 3 ---------------------------------------------------------------------------------------------

HELENA = "helena.berglund@lansstyrelsen-skane.example.org"


def test_a_speaker_opens_the_link_and_downloads_the_schedule(site, screenshots):
    speaker = db.session.scalar(select(Speaker).where(Speaker.email == HELENA))
    speakers.invite(speaker)  # what the organiser's "send the link" button does
    site.start()
    with browser(accept_downloads=True) as context:
        found = journeys.journey_three(
            context.new_page(), site.url, site.deliver_and_fetch, HELENA, screenshots=screenshots
        )

    assert "Din sida som talare på Regionalt forum – Överenskommelsen Skåne" in found["page"]
    own = [
        "Välkomna – ökad samverkan för ett robust och hållbart samhälle",
        "Samhällets nya verklighet",
        "Varför växlar Länsstyrelsen Skåne upp?",
        "Vägen framåt",
    ]
    assert all(title in found["page"] for title in own)

    calendar = icalendar.Calendar.from_ical(found["ics"])
    assert found["ics_name"].endswith(".ics")
    assert sorted(str(entry["SUMMARY"]) for entry in calendar.walk("VEVENT")) == sorted(own)
    assert found["pdf_type"].startswith("application/pdf")
    assert found["pdf"].startswith(b"%PDF")
    assert "Samhällets nya verklighet" in pdf_text(found["pdf"])


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


# --- 4 ---------------------------------------------------------------------------------------------

ORGANISER = ("karin.dahlberg@lansstyrelsen-z.example.org", "Organisatör-lösenord-2027")
INVITED = [
    ("Förnamn", "Efternamn", "E-post", "Organisation", "Roll"),
    ("Elin", "Strand", "elin.strand@ostersund.example.org", "Östersunds kommun", "Beredskapssamordnare"),
    ("Jon", "Ek", "jon.ek@krokom.example.org", "Krokoms kommun", "Säkerhetschef"),
    ("Ali", "Hassan", "ali.hassan@are.example.org", "Åre kommun", "Räddningschef"),
]


def invitees_workbook(path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Inbjudna"
    for row in INVITED:
        sheet.append(row)
    book.save(path)
    return path


def test_an_organiser_creates_publishes_invites_and_exports(site, screenshots, tmp_path):
    email, password = ORGANISER
    user, _ = create_user(email, "Karin Dahlberg", password=password)
    council = db.session.scalar(select(Event).where(Event.slug == journeys.JAMTLAND))
    db.session.add(EventRole(user=user, event=council, role=Role.ORGANISER))
    site.start()
    workbook = invitees_workbook(tmp_path / "inbjudna.xlsx")
    with browser(viewport={"width": 1280, "height": 900}, accept_downloads=True) as context:
        found = journeys.journey_four(
            context.new_page(),
            site.url,
            site.deliver_and_fetch,
            login=ORGANISER,
            organisation="Länsstyrelsen Jämtlands län",
            invitees_xlsx=workbook,
            accepting=INVITED[1][2:3] + INVITED[1][:2],
            screenshots=screenshots,
        )
    assert "Evenemanget är publicerat." in found["published"]
    assert "3 rader importeras" in found["preview"] and "0 rader importeras inte" in found["preview"]
    assert "3 personer lades till." in found["invitees_page"]
    assert "3 inbjudningar ligger i utkorgen" in found["sent_page"]
    assert found["invitation_subject"] == "Inbjudan: Beredskapsdag för kommunerna i Jämtlands län"
    assert "Bekräftad" in found["invitee_page"] and "Elin Strand" in found["invitee_page"]
    assert "Bekräftad (1)" in found["registrations_page"]

    # Every invitee of the file got the invitation, by e-mail.
    received = {message["To"] for message in site.smtp.messages if message["Subject"].startswith("Inbjudan: Bered")}
    assert received == {row[2] for row in INVITED[1:]}

    assert found["csv_name"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(found["csv"].decode("utf-8-sig"))))
    assert [
        (row["Förnamn"], row["Efternamn"], row["E-post"], row["Status"], row["Vilken förvaltning arbetar du på?"])
        for row in rows
    ] == [("Elin", "Strand", "elin.strand@ostersund.example.org", "Bekräftad", "Samhällsbyggnadsförvaltningen")]

    def event_state():
        event = db.session.scalar(select(Event).where(Event.slug == found["slug"]))
        return event.status.value, event.is_invitation_only, [item.title for item in event.programme_items]

    assert read(event_state) == ("published", True, ["Lärdomar från övningsåret"])
