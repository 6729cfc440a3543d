"""The organiser area for events: dashboard, creating and editing, the overview, status and the log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from forum.auth.models import EventRole, Role
from forum.events.models import Event, EventKind, EventStatus, Visibility
from forum.extensions import db
from forum.privacy import audit
from tests import factories
from tests.auth.helpers import actions, error_for, text, value_of
from tests.conftest import csrf_from, login_as, submit

NEW = "/admin/events/new"


def english(client) -> None:
    client.get("/lang/en")


def typed(html: str, name: str) -> str | None:
    """What an input or textarea shows: the text the user typed, kept after an error."""
    value = value_of(html, name)
    if value is None:
        match = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
        value = unescape(match.group(1)) if match else None
    return value


def event_form(organisation, **changes) -> dict:
    data = {
        "title": "Temamöte om vatten",
        "slug": "",
        "summary": "Hur säkrar vi dricksvattnet?",
        "description": "## Program\n\n- Vatten\n- Värme",
        "organisation_id": str(organisation.id),
        "kind": "theme_meeting",
        "language": "sv",
        "visibility": "public",
        "timezone": "Europe/Stockholm",
        "starts_at": "2027-03-25T09:00",
        "ends_at": "2027-03-25T15:30",
        "preliminary_date_text": "",
        "venue_name": "Stadshuset",
        "venue_address": "Storgatan 1",
        "venue_city": "Halmstad",
        "venue_directions": "Buss 1 till Stora torg.",
        "capacity": "120",
        "registration_opens_at": "2027-01-10T08:00",
        "registration_closes_at": "2027-03-20T23:59",
        "contact_email": "kontakt@example.se",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def organiser(app):
    """An organiser of another event (so allowed to create events) and a host organisation."""
    host = factories.organisation(name="Hela Sverige ska leva Halland")
    other = factories.event(title="Tidigare möte")
    user = factories.user(roles={other: "organiser"})
    db.session.commit()
    return user, host


def created(slug: str) -> Event:
    db.session.expire_all()
    return db.session.scalar(select(Event).where(Event.slug == slug))


# --- the dashboard -------------------------------------------------------------------------------


def test_dashboard_lists_the_users_events_with_status_date_and_role(app, client):
    mine = factories.event(title="Regionalt forum Skåne", starts_at=datetime(2027, 5, 27, 7, 0, tzinfo=UTC))
    checking = factories.event(title="Rådsmöte Jämtland", status=EventStatus.DRAFT)
    factories.event(title="Någon annans evenemang")
    user = factories.user(roles={mine: "organiser", checking: "checkin"})
    db.session.commit()
    login_as(client, user)

    html = text(client.get("/admin/"))
    assert "Regionalt forum Skåne" in html and "Rådsmöte Jämtland" in html
    assert "Någon annans evenemang" not in html
    assert "27 maj 2027" in html
    assert "Publicerat" in html and "Utkast" in html
    assert "Arrangör" in html and "Incheckning" in html
    assert f'href="/admin/events/{mine.slug}/edit"' in html
    assert f'href="/admin/events/{checking.slug}/edit"' not in html  # check-in staff do not edit
    assert "Nytt evenemang" in html
    assert "/admin/organisations" not in html and "/admin/users" not in html  # admins only


def test_dashboard_for_checkin_staff_has_no_new_event_button(app, client):
    event = factories.event(title="Rådsmöte")
    user = factories.user(roles={event: "checkin"})
    db.session.commit()
    login_as(client, user)
    html = text(client.get("/admin/"))
    assert "Rådsmöte" in html
    assert "Nytt evenemang" not in html
    assert client.get(NEW).status_code == 403


def test_dashboard_empty_state(app, client):
    user = factories.user()
    db.session.commit()
    login_as(client, user)
    html = text(client.get("/admin/"))
    assert "Du har inga evenemang än" in html
    english(client)
    assert "You have no events yet" in text(client.get("/admin/"))


def test_dashboard_for_admins_links_users_organisations_and_teams(app, client):
    event = factories.event(title="Healthy Cities")
    admin = factories.user(admin=True)
    db.session.commit()
    login_as(client, admin)
    html = text(client.get("/admin/"))
    assert 'href="/admin/users"' in html
    assert 'href="/admin/organisations"' in html
    assert f'href="/admin/events/{event.slug}/team"' in html
    assert "Administratör" in html  # an admin without a role in the event
    assert "Det finns inga evenemang" not in html


def test_dashboard_is_paginated_at_fifty(app, client):
    host = factories.organisation()
    for n in range(51):
        factories.event(title=f"Möte nummer {n:02d}", organisation=host, starts_at=datetime(2027, 1, 1, tzinfo=UTC))
    admin = factories.user(admin=True)
    db.session.commit()
    login_as(client, admin)
    first = text(client.get("/admin/"))
    second = text(client.get("/admin/?page=2"))
    assert first.count('<th scope="row">') == 50
    assert second.count('<th scope="row">') == 1
    assert 'rel="next"' in first and 'rel="prev"' in second


# --- creating an event ---------------------------------------------------------------------------


def test_create_event_makes_a_draft_owned_by_its_creator_with_utc_times(app, client, organiser):
    user, host = organiser
    login_as(client, user)
    response = submit(client, NEW, event_form(host))
    assert response.status_code == 302

    event = created("temamote-om-vatten")  # the slug comes from the title
    assert response.headers["Location"].endswith("/admin/events/temamote-om-vatten/")
    assert event.status == EventStatus.DRAFT
    assert event.starts_at == datetime(2027, 3, 25, 8, 0, tzinfo=UTC)  # 9.00 in Stockholm (CET)
    assert event.ends_at == datetime(2027, 3, 25, 14, 30, tzinfo=UTC)
    assert event.registration_closes_at == datetime(2027, 3, 20, 22, 59, tzinfo=UTC)
    assert event.organisation_id == host.id
    assert event.kind == EventKind.THEME_MEETING and event.visibility == Visibility.PUBLIC
    assert (event.capacity, event.venue_city, event.contact_email) == (120, "Halmstad", "kontakt@example.se")
    role = db.session.scalar(select(EventRole).where(EventRole.event_id == event.id))
    assert (role.user_id, role.role) == (user.id, Role.OWNER)
    [entry] = actions("event.created")
    assert (entry.user_id, entry.event_id, entry.details["slug"]) == (user.id, event.id, event.slug)

    page = text(client.get(response.headers["Location"]))
    assert "Evenemanget är skapat som utkast." in page
    assert "25 mars 2027, kl. 9.00–15.30" in page
    # the new event is on the creator's dashboard, with the owner's role
    assert "Ägare" in text(client.get("/admin/"))


def test_summer_time_and_other_zones_are_converted(app, client, organiser):
    user, host = organiser
    login_as(client, user)
    submit(client, NEW, event_form(host, slug="sommar", starts_at="2027-06-10T09:00", ends_at="2027-06-10T12:00"))
    assert created("sommar").starts_at == datetime(2027, 6, 10, 7, 0, tzinfo=UTC)  # CEST
    submit(client, NEW, event_form(host, slug="helsingfors", timezone="Europe/Helsinki", registration_closes_at=""))
    event = created("helsingfors")
    assert event.timezone == "Europe/Helsinki"
    assert event.starts_at == datetime(2027, 3, 25, 7, 0, tzinfo=UTC)


def test_a_taken_title_gets_a_numbered_slug(app, client, organiser):
    user, host = organiser
    login_as(client, user)
    submit(client, NEW, event_form(host))
    submit(client, NEW, event_form(host))
    assert created("temamote-om-vatten") is not None
    assert created("temamote-om-vatten-2") is not None


def test_the_form_says_markdown_and_offers_the_hosts(app, client, organiser):
    user, host = organiser
    login_as(client, user)
    html = text(client.get(NEW))
    assert "Markdown" in html
    assert f'<option value="{host.id}">Hela Sverige ska leva Halland</option>' in html
    assert 'type="datetime-local"' in html
    assert '<option selected value="Europe/Stockholm">' in html


BAD_INPUT = [
    # (changes, field, Swedish message, English message)
    ({"title": ""}, "title", "Fyll i titel.", "Enter a title."),
    ({"title": "x" * 201}, "title", "Får vara högst 200 tecken.", "At most 200 characters."),
    ({"summary": "x" * 501}, "summary", "Får vara högst 500 tecken.", "At most 500 characters."),
    ({"venue_city": "x" * 101}, "venue_city", "Får vara högst 100 tecken.", "At most 100 characters."),
    (
        {"ends_at": "2027-03-25T08:00"},
        "ends_at",
        "Slutet måste vara efter starten.",
        "The end must be after the start.",
    ),
    ({"starts_at": ""}, "starts_at", "Fyll i när evenemanget börjar.", "Enter when the event starts."),
    (
        {"starts_at": "25/3 kl 9"},
        "starts_at",
        "Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM",
        "Enter the date and time as YYYY-MM-DD HH:MM",
    ),
    ({"slug": "Halland 2027!"}, "slug", "Använd bara små bokstäver a–z", "Use only lower-case letters a–z"),
    ({"slug": "taken"}, "slug", "Adressen används redan av ett annat evenemang.", "Another event already uses"),
    ({"contact_email": "kontakt(at)example"}, "contact_email", "Ange en giltig e-postadress", "Enter a valid e-mail"),
    ({"capacity": "abc"}, "capacity", "Ange ett heltal, till exempel 120.", "Enter a whole number, for example 120."),
    ({"capacity": "-1"}, "capacity", "Antalet kan inte vara negativt.", "The number cannot be negative."),
    ({"organisation_id": ""}, "organisation_id", "Välj värdorganisation.", "Choose the host organisation."),
    ({"kind": "party"}, "kind", "Välj ett av alternativen.", "Choose one of the options."),
    ({"timezone": "Mars/Olympus"}, "timezone", "Välj ett av alternativen.", "Choose one of the options."),
    (
        {"registration_opens_at": "2027-03-01T08:00", "registration_closes_at": "2027-02-01T08:00"},
        "registration_closes_at",
        "Anmälan måste stänga efter att den öppnar.",
        "Registration must close after it opens.",
    ),
    (
        {"registration_closes_at": "2027-03-26T08:00"},
        "registration_closes_at",
        "Anmälan kan inte stänga efter att evenemanget har slutat.",
        "Registration cannot close after the event has ended.",
    ),
    (
        {"starts_at": "2027-03-28T02:30", "ends_at": "2027-03-28T12:00", "registration_closes_at": ""},
        "starts_at",
        "Den tiden finns inte i tidszonen",
        "That time does not exist in the time zone",
    ),
]


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize(("changes", "field", "swedish", "english_text"), BAD_INPUT)
def test_bad_input_is_explained_next_to_the_field_and_kept(
    app, client, organiser, language, changes, field, swedish, english_text
):
    user, host = organiser
    factories.event(slug="taken", organisation=host)
    db.session.commit()
    login_as(client, user)
    if language == "en":
        english(client)
    data = event_form(host, **{"title": "Mitt möte", "venue_name": "Folkets hus", **changes})
    response = submit(client, NEW, data)

    assert response.status_code == 200
    html = text(response)
    message = swedish if language == "sv" else english_text
    assert message in error_for(html, field)
    assert 'aria-invalid="true"' in html
    # what the user typed stays in the form
    if field not in ("organisation_id", "kind", "timezone"):
        assert typed(html, field) == changes[field].strip()
    if field != "title":
        assert value_of(html, "title") == "Mitt möte"
    assert value_of(html, "venue_name") == "Folkets hus"
    assert db.session.scalar(select(Event).where(Event.title == "Mitt möte")) is None


def test_several_problems_are_shown_at_once(app, client, organiser):
    user, host = organiser
    login_as(client, user)
    html = text(submit(client, NEW, event_form(host, title="", ends_at="2027-03-24T09:00", capacity="-5")))
    assert "Fyll i titel." in error_for(html, "title")
    assert "Slutet måste vara efter starten." in error_for(html, "ends_at")
    assert "Antalet kan inte vara negativt." in error_for(html, "capacity")
    assert "Formuläret innehåller fel" in html


def test_english_labels_and_no_english_defaults_in_swedish(app, client, organiser):
    user, host = organiser
    login_as(client, user)
    html = text(submit(client, NEW, event_form(host, kind="party", capacity="x", starts_at="nej")))
    assert "Not a valid" not in html and "Invalid" not in html
    english(client)
    html = text(client.get(NEW))
    assert "New event" in html and "Title" in html and "Starts" in html and "Written in Markdown" in html


def test_missing_csrf_token_is_refused(app, client, organiser):
    user, host = organiser
    login_as(client, user)
    response = client.post(NEW, data=event_form(host))
    assert response.status_code == 400
    assert created("temamote-om-vatten") is None


# --- editing -------------------------------------------------------------------------------------


@pytest.fixture
def owned(app):
    host = factories.organisation(name="Länsstyrelsen Skåne")
    event = factories.event(
        slug="skane-forum",
        title="Regionalt forum",
        organisation=host,
        status=EventStatus.DRAFT,
        starts_at=datetime(2027, 5, 27, 7, 0, tzinfo=UTC),
        capacity=80,
    )
    user = factories.user(roles={event: "owner"})
    db.session.commit()
    return user, event


def test_edit_form_shows_local_times_and_saves_changes_with_an_audit_entry(app, client, owned):
    user, event = owned
    login_as(client, user)
    url = f"/admin/events/{event.slug}/edit"
    html = text(client.get(url))
    assert value_of(html, "starts_at") == "2027-05-27T09:00"  # 07:00 UTC is 9.00 in Stockholm in May
    assert value_of(html, "capacity") == "80"
    assert value_of(html, "title") == "Regionalt forum"

    data = event_form(event.organisation, slug="skane-forum", title="Regionalt forum Skåne", capacity="90")
    data.update(starts_at="2027-05-27T09:00", ends_at="2027-05-27T16:00", registration_closes_at="")
    response = submit(client, url, data)
    assert response.status_code == 302
    event = created("skane-forum")
    assert (event.title, event.capacity) == ("Regionalt forum Skåne", 90)
    assert event.starts_at == datetime(2027, 5, 27, 7, 0, tzinfo=UTC)
    [entry] = actions("event.updated")
    assert "title" in entry.details["fields"] and "capacity" in entry.details["fields"]
    assert "starts_at" not in entry.details["fields"]
    assert "Ändringarna är sparade." in text(client.get(response.headers["Location"]))


def test_edit_keeps_the_slug_when_left_empty_and_refuses_a_taken_one(app, client, owned):
    user, event = owned
    factories.event(slug="upptagen")
    db.session.commit()
    login_as(client, user)
    url = f"/admin/events/{event.slug}/edit"
    data = event_form(event.organisation, slug="", registration_closes_at="")
    assert submit(client, url, data).status_code == 302
    assert created("skane-forum") is not None

    html = text(submit(client, url, {**data, "slug": "upptagen"}))
    assert "Adressen används redan av ett annat evenemang." in error_for(html, "slug")
    assert value_of(html, "slug") == "upptagen"


def test_slug_is_fixed_once_published(app, client, owned):
    user, event = owned
    event.status = EventStatus.PUBLISHED
    db.session.commit()
    login_as(client, user)
    url = f"/admin/events/{event.slug}/edit"
    html = text(submit(client, url, event_form(event.organisation, slug="nytt-namn", registration_closes_at="")))
    assert "Adressen kan bara ändras medan evenemanget är ett utkast." in error_for(html, "slug")
    assert created("skane-forum") is not None


def test_checkin_staff_see_the_overview_but_not_editing(app, client, owned):
    _owner, event = owned
    staff = factories.user(roles={event: "checkin"})
    factories.focus_area(event, "Vatten")
    factories.room(event, "Stora salen", capacity=200)
    db.session.commit()
    login_as(client, staff)
    html = text(client.get(f"/admin/events/{event.slug}/"))
    assert "Regionalt forum" in html and "Vatten" in html and "Stora salen" in html
    assert "/edit" not in html and "Publicera" not in html and "Senaste händelser" not in html
    assert client.get(f"/admin/events/{event.slug}/edit").status_code == 403
    assert client.get(f"/admin/events/{event.slug}/log").status_code == 403


def test_overview_shows_facts_programme_and_recent_log(app, client, owned):
    from forum.programme.models import ProgrammeItem, ProgrammeItemKind

    user, event = owned
    room = factories.room(event, "Sal B")
    db.session.add(
        ProgrammeItem(
            event=event,
            title="Öppning",
            kind=ProgrammeItemKind.PLENARY,
            starts_at=event.starts_at,
            ends_at=event.starts_at + timedelta(hours=1),
            room=room,
        )
    )
    audit.record("event.updated", user=user, event=event, target=event, fields=["title"])
    db.session.commit()
    login_as(client, user)
    html = text(client.get(f"/admin/events/{event.slug}/"))
    assert "Länsstyrelsen Skåne" in html
    assert "27 maj 2027" in html
    assert "Öppning" in html and "kl. 9.00" in html and "Sal B" in html
    assert "Uppgifterna ändrades" in html
    assert "/e/skane-forum/" in html
    assert "Publicera" in html


# --- status --------------------------------------------------------------------------------------


def post_action(client, event, action, **data):
    page = client.get(f"/admin/events/{event.slug}/")
    return client.post(
        f"/admin/events/{event.slug}/{action}", data={"csrf_token": csrf_from(page.get_data(as_text=True)), **data}
    )


def status_of(event) -> EventStatus:
    db.session.expire_all()
    return db.session.get(Event, event.id).status


def test_publish_unpublish_and_the_public_page(app, client, owned):
    user, event = owned
    login_as(client, user)
    public = f"/e/{event.slug}/"
    assert client.get(public).status_code == 404

    response = post_action(client, event, "publish")
    assert response.status_code == 302
    assert status_of(event) == EventStatus.PUBLISHED
    assert "Evenemanget är publicerat." in text(client.get(response.headers["Location"]))
    assert client.get(public).status_code == 200

    post_action(client, event, "unpublish")
    assert status_of(event) == EventStatus.DRAFT
    assert client.get(public).status_code == 404
    assert [entry.action for entry in actions()] == ["event.published", "event.unpublished"]
    assert actions("event.published")[0].details == {"previous": "draft", "status": "published"}


def test_publishing_twice_is_explained(app, client, owned):
    user, event = owned
    event.status = EventStatus.PUBLISHED
    db.session.commit()
    login_as(client, user)
    response = post_action(client, event, "publish")
    assert "Evenemanget är redan publicerat." in text(client.get(response.headers["Location"]))
    assert actions() == []


def test_publish_needs_title_host_and_dates(app, owned):
    from forum.events import admin_services

    user, event = owned
    event.title = "  "
    with pytest.raises(admin_services.Refused) as refusal:
        admin_services.publish_event(user, event)
    with app.test_request_context():
        assert "Evenemanget saknar titel." in refusal.value.explanation()
    db.session.rollback()
    assert status_of(event) == EventStatus.DRAFT


def test_status_changes_need_csrf(app, client, owned):
    user, event = owned
    login_as(client, user)
    assert client.post(f"/admin/events/{event.slug}/publish").status_code == 400
    assert status_of(event) == EventStatus.DRAFT


def test_cancel_needs_the_confirmation_box_then_reopen_as_draft(app, client, owned):
    user, event = owned
    event.status = EventStatus.PUBLISHED
    db.session.commit()
    login_as(client, user)
    url = f"/admin/events/{event.slug}/cancel"
    page = text(client.get(url))
    assert "Anmälan stängs" in page and "visar att evenemanget är inställt" in page

    html = text(submit(client, url, {}))
    assert "Kryssa i rutan för att bekräfta." in error_for(html, "confirm")
    assert status_of(event) == EventStatus.PUBLISHED
    english(client)
    assert "Tick the box to confirm." in error_for(text(submit(client, url, {})), "confirm")

    response = submit(client, url, {"confirm": "y"})
    assert response.status_code == 302
    assert status_of(event) == EventStatus.CANCELLED
    overview = text(client.get(response.headers["Location"]))
    assert "The event is cancelled." in overview
    assert "Reopen as a draft" in overview
    assert client.get(f"/e/{event.slug}/").status_code == 200  # the public page explains

    # A cancelled event is not published directly: it is reopened as a draft first.
    post_action(client, event, "publish")
    assert status_of(event) == EventStatus.CANCELLED
    post_action(client, event, "reopen")
    assert status_of(event) == EventStatus.DRAFT
    assert [entry.action for entry in actions()] == ["event.cancelled", "event.reopened"]


def test_log_page_is_paginated(app, client, owned):
    user, event = owned
    for n in range(55):
        audit.record("event.updated", user=user, event=event, target=event, fields=[f"field{n}"])
    db.session.commit()
    login_as(client, user)
    first = text(client.get(f"/admin/events/{event.slug}/log"))
    second = text(client.get(f"/admin/events/{event.slug}/log?page=2"))
    shown = re.compile(r"fields: (field\d+)")
    assert shown.findall(first) == [f"field{n}" for n in range(54, 4, -1)]
    assert shown.findall(second) == [f"field{n}" for n in range(4, -1, -1)]
    assert 'rel="next"' in first
