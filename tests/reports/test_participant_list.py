"""The attendee participant list: only confirmed people who opted in, and only where the organiser allows."""

from __future__ import annotations

import re

import pytest

from forum.events.models import Event, ParticipantListVisibility
from forum.extensions import db
from forum.registration import links, services
from forum.registration.models import Registration, RegistrationStatus
from forum.reports import attendee_list
from tests import factories
from tests.auth.helpers import actions, text
from tests.conftest import login_as, submit

SLUG = "halland-forum"
PUBLIC_URL = f"/e/{SLUG}/participants"


@pytest.fixture
def event(app):
    event = factories.event(slug=SLUG, title="Regionalt forum", capacity=4)
    factories.focus_area(event, "Vatten", 1)
    factories.focus_area(event, "Värme och energi", 2)
    db.session.commit()
    return event


def area_ids(event, *names):
    return [area.id for area in event.focus_areas if area.name in names]


def register(event, first, last, *, opt_in=True, **fields) -> tuple[Registration, str]:
    details = services.Details(
        first_name=first,
        last_name=last,
        email=f"{first.lower()}@example.org",
        show_in_participant_list=opt_in,
        **fields,
    )
    registration = services.register(event, details).registration
    db.session.commit()
    return registration, links.token_for(registration)


@pytest.fixture
def people(event):
    """Two who opted in, one who did not, one opted in but on the waiting list, one who cancelled."""
    astrid = register(
        event,
        "Astrid",
        "Åberg",
        organisation="Halmstads kommun",
        municipality_code="1380",
        focus_area_ids=area_ids(event, "Vatten", "Värme och energi"),
    )
    bertil = register(event, "Bertil", "Berg", organisation="Röda korset")
    cecilia = register(event, "Cecilia", "Hemlig", opt_in=False, organisation="Hemliga byrån")
    cancelled = register(event, "Doris", "Avbokad")  # gets the third seat, then cancels…
    services.cancel(cancelled[0])
    db.session.commit()
    erik = register(event, "Erik", "Kö")
    erik2 = register(event, "Frida", "Väntande")  # capacity 4: Erik took the freed seat, Frida waits
    assert erik[0].status == RegistrationStatus.CONFIRMED
    assert erik2[0].status == RegistrationStatus.WAITING
    return {"astrid": astrid, "bertil": bertil, "cecilia": cecilia, "cancelled": cancelled, "waiting": erik2}


def set_visibility(event, visibility: ParticipantListVisibility) -> None:
    db.session.get(Event, event.id).participant_list = visibility
    db.session.commit()


def test_the_registration_form_has_its_own_unticked_box(client, event):
    html = client.get(f"/e/{SLUG}/register").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="show_in_participant_list"[^>]*>', html)
    assert box, "no participant-list box on the form"
    assert "checked" not in box.group(0)
    assert "Visa mig i deltagarlistan" in html


def test_a_hidden_list_is_not_found_anywhere(client, event, people):
    _registration, token = people["astrid"]
    assert client.get(PUBLIC_URL).status_code == 404
    assert client.get(f"/r/{token}/participants").status_code == 404
    assert "Se vilka som kommer" not in text(client.get(f"/r/{token}"))
    assert "Vilka kommer?" not in text(client.get(f"/e/{SLUG}/"))


def test_a_public_list_shows_only_confirmed_people_who_opted_in(client, event, people):
    set_visibility(event, ParticipantListVisibility.PUBLIC)
    response = client.get(PUBLIC_URL)
    assert response.status_code == 200
    page = text(response)
    assert "Astrid Åberg" in page
    assert "Halmstads kommun" in page and "Halmstad" in page
    assert "Vatten" in page and "Värme och energi" in page
    assert "Bertil Berg" in page and "Röda korset" in page
    assert "Erik Kö" in page
    for hidden in ("Cecilia", "Hemliga byrån", "Doris", "Frida"):
        assert hidden not in page, hidden
    # no e-mail address of anyone, nor any personal link
    assert "@example.org" not in page
    assert "/r/" not in page
    assert "Antal deltagare i listan: 3." in page
    assert '<meta name="robots" content="noindex">' in page
    assert "Vilka kommer?" in text(client.get(f"/e/{SLUG}/"))


def test_the_list_groups_by_focus_area_and_by_municipality(client, event, people):
    set_visibility(event, ParticipantListVisibility.PUBLIC)
    page = text(client.get(PUBLIC_URL))
    headings = re.findall(r"<h2 id=\"group-\d+\">([^<]+)", page)
    assert headings == ["Vatten", "Värme och energi", "Inget fokusområde angivet"]
    page = text(client.get(f"{PUBLIC_URL}?group=municipality"))
    headings = re.findall(r"<h2 id=\"group-\d+\">([^<]+)", page)
    assert headings == ["Halmstad", "Kommun ej angiven"]
    assert 'aria-current="page">Kommun</a>' in page


def test_attendees_only_needs_a_confirmed_registrations_link(client, event, people):
    set_visibility(event, ParticipantListVisibility.ATTENDEES)
    _astrid, token = people["astrid"]

    response = client.get(PUBLIC_URL)
    assert response.status_code == 403
    page = text(response)
    assert "visas bara för bekräftade deltagare" in page
    assert "Astrid" not in page and "Bertil" not in page

    manage = text(client.get(f"/r/{token}"))
    assert f'href="/r/{token}/participants"' in manage
    response = client.get(f"/r/{token}/participants")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = text(response)
    assert "Astrid Åberg" in page and "Bertil Berg" in page
    assert "Cecilia" not in page and "@example.org" not in page

    # the one who did not opt in is confirmed and may still look
    _cecilia, cecilia_token = people["cecilia"]
    assert client.get(f"/r/{cecilia_token}/participants").status_code == 200
    # not so the waiting list, the cancelled, or a made-up link
    _waiting, waiting_token = people["waiting"]
    _cancelled, cancelled_token = people["cancelled"]
    assert client.get(f"/r/{waiting_token}/participants").status_code == 404
    assert "Se vilka som kommer" not in text(client.get(f"/r/{waiting_token}"))
    assert client.get(f"/r/{cancelled_token}/participants").status_code == 404
    assert client.get("/r/" + "A" * 43 + "/participants").status_code == 404


def test_a_draft_events_list_is_not_found(client, event, people):
    from forum.events.models import EventStatus

    set_visibility(event, ParticipantListVisibility.PUBLIC)
    db.session.get(Event, event.id).status = EventStatus.DRAFT
    db.session.commit()
    assert client.get(PUBLIC_URL).status_code == 404


def test_the_attendee_can_opt_in_and_out_on_their_own_page(client, event, people):
    set_visibility(event, ParticipantListVisibility.PUBLIC)
    cecilia, token = people["cecilia"]
    form = {"first_name": "Cecilia", "last_name": "Hemlig", "email": "cecilia@example.org"}
    response = submit(client, f"/r/{token}/edit", {**form, "show_in_participant_list": "y"})
    assert response.status_code == 303
    assert "Du syns i deltagarlistan." in text(client.get(f"/r/{token}"))
    assert "Cecilia Hemlig" in text(client.get(PUBLIC_URL))

    response = submit(client, f"/r/{token}/edit", form)  # the box unticked
    assert response.status_code == 303
    assert "Cecilia Hemlig" not in text(client.get(PUBLIC_URL))


def test_long_lists_are_paginated_and_a_split_group_says_it_continues(client, event, people, monkeypatch):
    set_visibility(event, ParticipantListVisibility.PUBLIC)
    monkeypatch.setattr(attendee_list, "PAGE_SIZE", 3)
    # Rows: Vatten – Astrid; Värme och energi – Astrid; no focus area – Bertil, Erik.
    first = text(client.get(f"{PUBLIC_URL}?group=focus"))
    assert "Sida 1 av 2" in first
    assert "Astrid Åberg" in first and "Bertil Berg" in first and "Erik" not in first
    assert "(fortsättning)" not in first
    assert f'href="{PUBLIC_URL}?group=focus&page=2" rel="next"' in first
    second = text(client.get(f"{PUBLIC_URL}?group=focus&page=2"))
    assert "Sida 2 av 2" in second
    assert "Erik Kö" in second and "Astrid" not in second
    assert re.search(r"Inget fokusområde angivet\s*<small[^>]*>\(fortsättning\)", second)
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_the_organiser_chooses_the_visibility_on_the_form_page(client, event, people):
    organiser = factories.user(roles={event: "organiser"})
    db.session.commit()
    login_as(client, organiser)
    page_url = f"/admin/events/{SLUG}/form"
    page = text(client.get(page_url))
    assert "Deltagarlistan" in page
    assert re.search(r'<input checked[^>]*value="hidden"', page)

    response = submit(client, page_url, {"participant_list": "attendees"}, post_url=f"{page_url}/settings")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).participant_list == ParticipantListVisibility.ATTENDEES
    [entry] = actions("event.form_settings_changed")
    assert entry.details == {"fields": ["participant_list"], "participant_list": "attendees"}
    assert re.search(r'<input checked[^>]*value="attendees"', text(client.get(page_url)))

    response = submit(client, page_url, {"participant_list": "everyone"}, post_url=f"{page_url}/settings")
    assert response.status_code == 200
    assert "Välj bland alternativen." in text(response)
    db.session.expire_all()
    assert db.session.get(Event, event.id).participant_list == ParticipantListVisibility.ATTENDEES


def test_the_demo_shows_healthy_cities_attendees_to_each_other(app, client, monkeypatch):
    from sqlalchemy import select

    monkeypatch.delenv("FORUM_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("FORUM_ADMIN_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    demo = db.session.scalar(select(Event).where(Event.slug == "healthy-cities"))
    assert demo.participant_list == ParticipantListVisibility.ATTENDEES
    confirmed = db.session.scalars(
        select(Registration).where(
            Registration.event_id == demo.id, Registration.status == RegistrationStatus.CONFIRMED
        )
    ).all()
    shown = [r for r in confirmed if r.show_in_participant_list]
    assert 0 < len(shown) < len(confirmed)
    page = text(client.get(f"/r/{links.token_for(confirmed[0])}/participants"))
    for registration in confirmed:
        assert (registration.name in page) == registration.show_in_participant_list, registration.name
    assert client.get("/e/healthy-cities/participants").status_code == 403
