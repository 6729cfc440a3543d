"""An event's public privacy notice at /e/<slug>/privacy, linked from the registration form."""

from __future__ import annotations

import re

import pytest

from forum.events.models import EventStatus
from forum.extensions import db
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration.models import Question, QuestionKind
from tests import factories
from tests.auth.helpers import text


@pytest.fixture
def host(app):
    return factories.organisation(name="Hela Sverige ska leva Halland", contact_email="halland@example.org")


@pytest.fixture
def event(app, host):
    event = factories.event(
        slug="halland-beredskap",
        title="Temamöte om långsiktig beredskap",
        organisation=host,
        contact_email="",
    )
    db.session.commit()
    return event


def page(client, slug="halland-beredskap") -> str:
    response = client.get(f"/e/{slug}/privacy")
    assert response.status_code == 200
    return text(response)


def plain(html: str) -> str:
    """The words a reader sees, tags removed and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_notice_names_the_controller_and_everything_a_person_must_know(client, event):
    html = page(client)
    words = plain(html)
    assert "<h1>Integritetsmeddelande</h1>" in html
    assert "Så behandlas dina personuppgifter när du anmäler dig till Temamöte om långsiktig beredskap." in words
    assert "Hela Sverige ska leva Halland är personuppgiftsansvarig" in words
    assert 'href="mailto:halland@example.org"' in html
    # why, on what basis, who sees it, how long, the rights, where to complain
    assert "arrangörernas deltagarlista, namnbrickor och incheckning" in words
    assert "samtycke (artikel 6.1 a i GDPR)" in words
    assert "uttryckliga samtycke (artikel 9.2 a)" in words
    assert "artikel 9 i dataskyddsförordningen" in words
    assert "Uppgifter om hälsa (kost och tillgänglighet) raderas kort efter evenemanget." in words
    assert "värdorganisationens regler för gallring" in words
    assert "Deltagarlistan visas inte för andra just nu." in words  # hidden: the default
    assert "rätt att få veta vilka uppgifter som finns om dig" in words
    assert "den personliga länken i bekräftelsemejlet" in words
    assert "Integritetsskyddsmyndigheten (IMY)" in words
    assert 'href="https://www.imy.se/"' in html
    assert 'href="/e/halland-beredskap/"' in html


def test_the_notice_says_who_sees_the_participant_list(client, event):
    from forum.events.models import ParticipantListVisibility

    event.participant_list = ParticipantListVisibility.ATTENDEES
    db.session.commit()
    assert "ser andra bekräftade deltagare ditt namn, din organisation, kommun" in plain(page(client))
    event.participant_list = ParticipantListVisibility.PUBLIC
    db.session.commit()
    assert "för alla på evenemangets webbsida" in plain(page(client))


def test_the_notice_lists_only_what_the_form_asks(client, event):
    html = plain(page(client))
    for shown in ("ditt telefonnummer", "din kommun", "kostbehov, bara med ditt särskilda samtycke"):
        assert shown in html
    # nothing the event does not have
    for absent in ("fokusområden du är intresserad av", "workshoppar", "arrangörens egna frågor"):
        assert absent not in html

    event.hidden_fields = ["phone", "dietary", "accessibility", "participant_list"]
    factories.focus_area(event, "Vatten")
    db.session.add(Question(event=event, label="Fråga", kind=QuestionKind.YES_NO, position=1))
    db.session.add(
        ProgrammeItem(
            event=event,
            title="Workshop",
            kind=ProgrammeItemKind.WORKSHOP,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            requires_signup=True,
        )
    )
    db.session.commit()
    html = plain(page(client))
    for absent in ("ditt telefonnummer", "kostbehov", "artikel 9 i dataskyddsförordningen", "raderas kort efter"):
        assert absent not in html
    assert "Andra deltagare ser inte dina uppgifter." in html
    for shown in ("fokusområden du är intresserad av", "vilka workshoppar du väljer", "arrangörens egna frågor"):
        assert shown in html


def test_an_event_contact_other_than_the_hosts_is_named_too(client, event):
    event.contact_email = "kontakt@halland.example.org"
    db.session.commit()
    html = page(client)
    assert 'href="mailto:halland@example.org"' in html
    assert "Frågor om evenemanget" in html
    assert 'href="mailto:kontakt@halland.example.org"' in html


def test_the_organisers_own_text_follows_as_markdown(client, event):
    event.privacy_notice = "Bilder från dagen publiceras på **vår webbplats**.\n\n- Listan sparas i ett år."
    db.session.commit()
    html = page(client)
    assert "Mer från arrangören" in html
    assert "<strong>vår webbplats</strong>" in html
    assert "<li>Listan sparas i ett år.</li>" in html
    assert html.index("Integritetsskyddsmyndigheten") < html.index("vår webbplats")


def test_html_in_the_organisers_text_is_shown_as_text(client, event):
    event.privacy_notice = '<script>alert("x")</script> <img src=x onerror="alert(1)"> [länk](javascript:alert(1))'
    db.session.commit()
    response = client.get("/e/halland-beredskap/privacy")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


def test_without_own_text_there_is_no_empty_section(client, event):
    assert "Mer från arrangören" not in page(client)


def test_the_notice_is_in_english_for_an_english_visitor(client, event):
    client.set_cookie("forum_lang", "en")
    words = plain(page(client))
    assert "Privacy notice" in words
    assert "Hela Sverige ska leva Halland is the controller" in words
    assert "Swedish Authority for Privacy Protection" in words


def test_a_preliminary_event_explains_the_interest_form(client, event):
    event.date_is_preliminary = True
    db.session.commit()
    assert "Medan datumet är preliminärt kan du göra en intresseanmälan" in plain(page(client))


def test_drafts_and_unknown_events_are_not_found(client, event):
    event.status = EventStatus.DRAFT
    db.session.commit()
    assert client.get("/e/halland-beredskap/privacy").status_code == 404
    assert client.get("/e/finns-inte/privacy").status_code == 404


def test_a_cancelled_event_keeps_its_notice(client, event):
    event.status = EventStatus.CANCELLED
    db.session.commit()
    assert "Integritetsmeddelande" in page(client)
