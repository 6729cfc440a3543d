"""`flask --app app demo`: the seed events and about 40 registrations, idempotent, shown with Swedish dates."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from forum import demo
from forum.auth.models import EventRole, Role, User
from forum.events.models import Event, Organisation, Visibility
from forum.extensions import db
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.mail.services import enqueue
from forum.privacy.models import AuditLog
from forum.programme.models import ProgrammeItemKind
from forum.registration import links, municipalities, services
from forum.registration.models import (
    Interest,
    InterestKind,
    OrganisationType,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SignupStatus,
    WorkshopSignup,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SV_MONTHS = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]
FOCUS_AREAS = [
    "Vatten",
    "Värme och energi",
    "Mat och lokal livsmedelsproduktion",
    "Omsorg och vardagsstöd",
    "Information, samverkan och gemenskap",
]


@pytest.fixture(autouse=True)
def _no_admin_settings(monkeypatch):
    monkeypatch.delenv("FORUM_ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("FORUM_ADMIN_PASSWORD", raising=False)


def run_demo(app, **env):
    result = app.test_cli_runner().invoke(args=["demo"], env=env or None)
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.rollback()  # the command committed; read what it wrote afresh
    return result.output


def snapshot() -> dict[str, list]:
    """Every row of every table, so that a second run can be shown to add and change nothing."""
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = sorted(map(repr, db.session.execute(table.select()).all()))
    db.session.rollback()
    return rows


def local_today() -> date:
    return datetime.now(STOCKHOLM).date()


def expected_day(month: int, day: int, today: date | None = None) -> date:
    """Written out again here, independently of forum.demo: the next such date after today."""
    today = today or local_today()
    year = today.year if (month, day) > (today.month, today.day) else today.year + 1
    return date(year, month, day)


def swedish(day: date) -> str:
    return f"{day.day} {SV_MONTHS[day.month - 1]} {day.year}"


def event(slug: str) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == slug))


# --- the command ---------------------------------------------------------------------------------


def test_second_run_changes_nothing(app):
    first = run_demo(app)
    assert "Admin account: admin@example.org" in first
    before = snapshot()
    assert len(before["events"]) == 4 and len(before["organisations"]) == 4

    second = run_demo(app)

    assert snapshot() == before
    assert "already exists" in second
    assert "password:" not in second.lower()
    assert "events: 0 created, 4 already present" in second


def test_admin_password_is_printed_once_and_works(app):
    output = run_demo(app)
    match = re.search(r"Admin account: admin@example\.org\nPassword: (\S+)", output)
    assert match, output
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    assert admin.is_admin and admin.active
    assert admin.check_password(match.group(1))
    assert match.group(1) not in run_demo(app)


def test_admin_from_environment_owns_every_demo_event(app):
    output = run_demo(app, FORUM_ADMIN_EMAIL="Chef@Example.org", FORUM_ADMIN_PASSWORD="ett långt lösenord 42")
    assert "ett långt lösenord 42" not in output
    admin = db.session.scalar(select(User).where(User.email == "chef@example.org"))
    assert admin.check_password("ett långt lösenord 42")
    roles = db.session.scalars(select(EventRole).where(EventRole.user_id == admin.id)).all()
    assert sorted(role.event.slug for role in roles) == [
        "halland-beredskap",
        "healthy-cities",
        "jamtland-radet",
        "skane-forum",
    ]
    assert {role.role for role in roles} == {Role.OWNER}


def test_an_existing_event_is_not_overwritten(app):
    run_demo(app)
    skane = event("skane-forum")
    skane.title = "Omdöpt av arrangören"
    db.session.commit()
    run_demo(app)
    assert event("skane-forum").title == "Omdöpt av arrangören"


def test_missing_parts_of_an_existing_event_are_added_back(app):
    run_demo(app)
    halland = event("halland-beredskap")
    db.session.delete(next(area for area in halland.focus_areas if area.name == "Vatten"))
    db.session.commit()
    output = run_demo(app)
    others = sum(len(spec.focus_areas) for spec in demo.EVENTS) - 1
    assert f"focus areas: 1 created, {others} already present" in output
    assert [area.name for area in event("halland-beredskap").focus_areas] == FOCUS_AREAS


# --- what was created ----------------------------------------------------------------------------


def test_halland_theme_meeting_has_a_preliminary_october_date_and_workshops(app):
    run_demo(app)
    halland = event("halland-beredskap")
    october = expected_day(10, 15)
    assert halland.date_is_preliminary
    assert halland.preliminary_date_text == f"preliminärt oktober {october.year}"
    assert halland.starts_at.astimezone(STOCKHOLM).date() == october
    assert halland.organisation.contact_email == "halland-beredskap@helasverige.se"
    assert halland.visibility == Visibility.PUBLIC and halland.venue_city == "Halmstad"
    assert [area.name for area in halland.focus_areas] == FOCUS_AREAS
    assert all(area.description for area in halland.focus_areas)

    items = halland.programme_items
    assert any(item.kind == ProgrammeItemKind.PLENARY for item in items)
    workshops = [item for item in items if item.kind == ProgrammeItemKind.WORKSHOP]
    assert sorted(area.name for item in workshops for area in item.focus_areas) == sorted(FOCUS_AREAS)
    for item in workshops:
        assert item.requires_signup and item.capacity and item.room is not None
        assert item.room.event_id == halland.id


def test_skane_forum_programme_is_the_slide_headings(app):
    run_demo(app)
    skane = event("skane-forum")
    day = expected_day(5, 27)
    assert skane.starts_at == datetime.combine(day, time(9), tzinfo=STOCKHOLM)
    assert skane.ends_at == datetime.combine(day, time(16), tzinfo=STOCKHOLM)
    assert skane.venue_city == "Malmö" and skane.organisation.name == "Länsstyrelsen Skåne"
    titles = [item.title for item in skane.programme_items]
    for heading in (
        "Samhällets nya verklighet",
        "Vad är civilsamhället?",
        "Civilsamhällets tre funktioner",
        "Ukraina – ett samhälle som håller",
        "Fyra lärdomar för Sverige",
        "Varför växlar Länsstyrelsen Skåne upp?",
        "Principer för samverkan",
        "Vägen framåt",
    ):
        assert heading in titles
    kinds = {item.kind for item in skane.programme_items}
    assert {ProgrammeItemKind.TALK, ProgrammeItemKind.MEAL, ProgrammeItemKind.BREAK} <= kinds
    assert len(skane.rooms) >= 2


def test_registration_runs_from_today_until_the_day_before(app):
    run_demo(app)
    today = local_today()
    for slug in ("skane-forum", "jamtland-radet", "healthy-cities", "halland-beredskap"):
        item = event(slug)
        first_day = item.starts_at.astimezone(STOCKHOLM).date()
        opens = item.registration_opens_at.astimezone(STOCKHOLM)
        closes = item.registration_closes_at.astimezone(STOCKHOLM)
        assert opens == datetime.combine(today, time(0), tzinfo=STOCKHOLM), slug
        assert (first_day - closes.date()).days == 1 and closes.time() >= time(23, 59), slug


def test_times_are_stored_in_utc(app):
    run_demo(app)
    raw = db.session.execute(select(Event.__table__.c.starts_at).where(Event.slug == "jamtland-radet")).scalar_one()
    day = expected_day(12, 8)
    # 9.30 in Stockholm in December (UTC+1) is 8.30 UTC.
    assert raw.replace(tzinfo=None) == datetime(day.year, 12, 8, 8, 30)


def test_organisations_use_no_invented_personal_addresses(app):
    run_demo(app)
    addresses = db.session.scalars(select(Organisation.contact_email)).all()
    assert sorted(addresses) == sorted(
        [
            "halland-beredskap@helasverige.se",
            "lansstyrelsen-skane@example.org",
            "lansstyrelsen-jamtland@example.org",
            "healthy-cities@example.org",
        ]
    )


# --- what a visitor sees -------------------------------------------------------------------------


def test_front_page_lists_the_three_public_events_with_swedish_dates(app, client):
    run_demo(app)
    html = client.get("/").get_data(as_text=True)
    assert "Temamöte om långsiktig beredskap i Halland" in html
    assert "Regionalt forum – Överenskommelsen Skåne" in html
    assert "Healthy Cities Sverige – nätverksträff" in html
    assert "Regionala rådet för samhällsberedskap" not in html
    assert swedish(expected_day(5, 27)) in html
    march = expected_day(3, 19)
    assert swedish(march) in html and f"20 mars {march.year}" in html
    assert f"preliminärt oktober {expected_day(10, 15).year}" in html


def test_front_page_in_english(app, client):
    run_demo(app)
    client.set_cookie("forum_lang", "en")
    html = client.get("/").get_data(as_text=True)
    assert f"19 March {expected_day(3, 19).year}" in html
    assert f"27 May {expected_day(5, 27).year}" in html


def test_jamtland_council_is_by_invitation(app, client):
    run_demo(app)
    response = client.get("/e/jamtland-radet/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Endast för inbjudna" in html
    assert "Länsresidenset" in html and "Residensgränd 7" in html and "Östersund" in html
    assert swedish(expected_day(12, 8)) in html


def test_halland_page_shows_the_five_focus_areas_in_order_and_the_preliminary_date(app, client):
    run_demo(app)
    html = client.get("/e/halland-beredskap/").get_data(as_text=True)
    assert "preliminärt" in html
    positions = [html.index(name) for name in FOCUS_AREAS]
    assert positions == sorted(positions)
    assert "halland-beredskap@helasverige.se" in html


def test_exact_dates_use_the_swedish_time_format(app, client):
    run_demo(app)
    html = client.get("/e/skane-forum/").get_data(as_text=True)
    assert f"{swedish(expected_day(5, 27))}, kl. 9.00–16.00" in html
    assert "Anmälan är öppen" in html


# --- the next occurrence -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "month", "day", "expected"),
    [
        (date(2026, 11, 23), 3, 19, date(2027, 3, 19)),
        (date(2026, 11, 23), 5, 27, date(2027, 5, 27)),
        (date(2026, 11, 23), 12, 8, date(2026, 12, 8)),
        (date(2026, 11, 23), 10, 15, date(2027, 10, 15)),
        (date(2027, 3, 18), 3, 19, date(2027, 3, 19)),
        (date(2027, 3, 19), 3, 19, date(2028, 3, 19)),  # today itself does not count
        (date(2027, 3, 20), 3, 19, date(2028, 3, 19)),
        (date(2027, 5, 26), 5, 27, date(2027, 5, 27)),
        (date(2027, 5, 27), 5, 27, date(2028, 5, 27)),
        (date(2026, 12, 31), 12, 8, date(2027, 12, 8)),
        (date(2027, 1, 1), 12, 8, date(2027, 12, 8)),
    ],
)
def test_next_occurrence(today, month, day, expected):
    assert demo.next_occurrence(month, day, today) == expected
    assert expected_day(month, day, today) == expected


def test_loading_on_a_fixed_day_moves_past_dates_to_next_year(app):
    demo.load(echo=lambda _line: None, today=date(2027, 3, 20))
    healthy = event("healthy-cities")
    assert healthy.starts_at == datetime(2028, 3, 19, 10, 0, tzinfo=STOCKHOLM)
    assert healthy.ends_at == datetime(2028, 3, 20, 15, 0, tzinfo=STOCKHOLM)
    assert healthy.registration_opens_at == datetime(2027, 3, 20, 0, 0, tzinfo=STOCKHOLM)
    assert healthy.registration_closes_at == datetime(2028, 3, 18, 23, 59, tzinfo=STOCKHOLM)
    day_two = [item for item in healthy.programme_items if item.starts_at.astimezone(STOCKHOLM).day == 20]
    assert day_two, "the second day has programme items"
    assert event("skane-forum").starts_at.astimezone(STOCKHOLM).date() == date(2027, 5, 27)
    assert event("halland-beredskap").preliminary_date_text == "preliminärt oktober 2027"


def test_preliminary_text_follows_the_october_that_is_still_ahead(app):
    demo.load(echo=lambda _line: None, today=date(2026, 9, 1))
    assert event("halland-beredskap").preliminary_date_text == "preliminärt oktober 2026"
    assert event("jamtland-radet").starts_at.astimezone(STOCKHOLM).date() == date(2026, 12, 8)


def test_a_bad_admin_address_is_refused_with_a_message(app):
    result = app.test_cli_runner().invoke(args=["demo"], env={"FORUM_ADMIN_EMAIL": "inte-en-adress"})
    assert result.exit_code != 0
    assert "FORUM_ADMIN_EMAIL" in result.output and "Traceback" not in result.output
    db.session.rollback()
    assert snapshot()["events"] == []


# --- registrations and interest sign-ups ---------------------------------------------------------


def registrations_of(slug: str) -> list[Registration]:
    return list(
        db.session.scalars(select(Registration).join(Event).where(Event.slug == slug).order_by(Registration.id))
    )


def by_status(slug: str) -> Counter:
    return Counter(registration.status for registration in registrations_of(slug))


def person(slug: str, first_name: str) -> Registration:
    (found,) = [r for r in registrations_of(slug) if r.first_name == first_name]
    return found


def test_about_forty_registrations_across_the_events(app):
    output = run_demo(app)
    total = db.session.scalar(select(func.count(Registration.id)))
    assert 35 <= total <= 50
    assert f"registrations: {total} created, 0 already present" in output
    # The preliminary Halland meeting takes interest sign-ups, not registrations.
    assert registrations_of("halland-beredskap") == []
    for slug in ("skane-forum", "jamtland-radet", "healthy-cities"):
        assert by_status(slug)[RegistrationStatus.CONFIRMED] >= 10, slug
        assert by_status(slug)[RegistrationStatus.CANCELLED] >= 1, slug


def test_the_council_is_full_with_a_waiting_list_in_order(app):
    run_demo(app)
    council = event("jamtland-radet")
    assert by_status("jamtland-radet") == {
        RegistrationStatus.CONFIRMED: council.capacity,
        RegistrationStatus.WAITING: 2,
        RegistrationStatus.CANCELLED: 1,
    }
    assert services.seats_left(council) == 0
    waiting = [r for r in registrations_of("jamtland-radet") if r.status == RegistrationStatus.WAITING]
    assert [(r.name, services.waiting_position(r)) for r in waiting] == [("Amir Haddad", 1), ("Oskar Lindahl", 2)]
    # The police's representative cancelled; the first on the waiting list got the seat.
    assert person("jamtland-radet", "Anders").cancelled_at is not None
    promoted = person("jamtland-radet", "Emma")
    assert promoted.status == RegistrationStatus.CONFIRMED and promoted.confirmed_at is not None


def test_a_small_workshop_is_full_with_its_own_waiting_list(app):
    run_demo(app)
    (small,) = [item for item in services.workshops(event("healthy-cities")) if item.capacity == 6]
    signups = db.session.scalars(
        select(WorkshopSignup).where(WorkshopSignup.programme_item_id == small.id).order_by(WorkshopSignup.id)
    ).all()
    assert Counter(signup.status for signup in signups) == {SignupStatus.CONFIRMED: 6, SignupStatus.WAITING: 2}
    # Helena cancelled: her seat went to the first waiting (Ahmed); Tove and Annika wait.
    assert person("healthy-cities", "Helena").signups == []
    assert signup_status("healthy-cities", "Ahmed", small) == SignupStatus.CONFIRMED
    assert signup_status("healthy-cities", "Tove", small) == SignupStatus.WAITING
    assert signup_status("healthy-cities", "Annika", small) == SignupStatus.WAITING
    # Everyone else with a seat at the event has a place in the workshop they chose.
    others = [item for item in services.workshops(event("healthy-cities")) if item.id != small.id]
    taken = services.workshop_taken(others)
    assert all(0 < taken[item.id] <= item.capacity for item in others)


def signup_status(slug: str, first_name: str, item) -> SignupStatus:
    (signup,) = [s for s in person(slug, first_name).signups if s.programme_item_id == item.id]
    return signup.status


def test_the_people_are_realistic_and_their_data_consistent(app):
    run_demo(app)
    everyone = list(db.session.scalars(select(Registration)))
    names = {r.name for r in everyone}
    assert {"Åsa Öberg", "Nguyễn Thị Lan", "Zoë Hughes", "Łukasz Kowalczyk"} <= names
    assert person("skane-forum", "Zoë").language == "en"
    types = {r.organisation_type for r in everyone}
    assert {
        OrganisationType.MUNICIPALITY,
        OrganisationType.REGION,
        OrganisationType.STATE,
        OrganisationType.NON_PROFIT,
        OrganisationType.FARM,
        OrganisationType.FAITH,
        OrganisationType.PRIVATE,
    } <= types
    for registration in everyone:
        domain = registration.email.rsplit("@", 1)[1]
        assert domain in ("example.org", "example.com") or domain.endswith((".example.org", ".example.com"))
        assert registration.email_key == registration.email.casefold()
        assert municipalities.by_code(registration.municipality_code) is not None, registration.name
        assert registration.privacy_consent_at is not None
        if registration.phone:
            # PTS's range for use in fiction.
            assert re.fullmatch(r"070-174 06 (0[5-9]|[1-9]\d)", registration.phone), registration.phone
        # Health data only with its consent.
        has_health = bool(registration.dietary or registration.dietary_other or registration.accessibility)
        assert has_health == (registration.health_consent_at is not None), registration.name
    assert sum(r.show_in_participant_list for r in everyone) >= 10
    assert 0 < sum(r.show_in_participant_list for r in everyone) < len(everyone)
    assert any(r.keep_informed for r in everyone)
    assert sum(r.health_consent_at is not None for r in everyone) >= 10
    assert any(r.accessibility for r in everyone)
    chosen_areas = [area.name for r in registrations_of("healthy-cities") for area in r.focus_areas]
    assert "Delaktighet, tillit och lokala nätverk" in chosen_areas
    assert {area.event_id for r in everyone for area in r.focus_areas} <= {event("healthy-cities").id}


def test_a_phone_registration_is_added_by_the_organiser_and_audited(app):
    run_demo(app)
    farmer = person("skane-forum", "Sven")
    assert farmer.source == RegistrationSource.ORGANISER
    entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "registration.added")).all()
    assert [entry.target_id for entry in entries] == [farmer.id]


def test_interest_sign_ups_for_the_preliminary_halland_meeting(app):
    output = run_demo(app)
    halland = event("halland-beredskap")
    assert halland.date_is_preliminary
    interests = db.session.scalars(select(Interest).where(Interest.event_id == halland.id)).all()
    assert len(interests) == len(demo.HALLAND_INTERESTS)
    assert f"interest sign-ups: {len(interests)} created, 0 already present" in output
    kinds = {kind for interest in interests for kind in interest.kinds}
    assert kinds == {kind.value for kind in InterestKind}
    assert all(interest.privacy_consent_at is not None for interest in interests)
    assert any("Röda Korset" in interest.organisation for interest in interests)
    # The events with a fixed date have none.
    assert db.session.scalar(select(func.count(Interest.id)).where(Interest.event_id != halland.id)) == 0


def test_no_interest_sign_ups_once_the_date_is_fixed(app):
    demo.load(echo=lambda _line: None)
    halland = event("halland-beredskap")
    db.session.execute(delete(Interest))
    halland.date_is_preliminary = False
    db.session.commit()
    run_demo(app)
    assert db.session.scalar(select(func.count(Interest.id))) == 0


def test_the_demo_leaves_no_e_mail_to_send_but_keeps_others(app):
    message = enqueue(recipient="someone@example.org", subject="Före demon", body_text="Hej")
    db.session.commit()
    kept = message.id
    output = run_demo(app)
    assert re.search(r"The \d+ e-mails the demo registrations queued were discarded, not sent\.", output)
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert [row.id for row in rows] == [kept]
    assert rows[0].status == OutboxStatus.QUEUED


def test_a_second_run_adds_no_registrations_and_queues_nothing(app):
    run_demo(app)
    total = db.session.scalar(select(func.count(Registration.id)))
    output = run_demo(app)
    assert f"registrations: 0 created, {total} already present" in output
    assert "discarded" not in output
    assert db.session.scalar(select(func.count(Registration.id))) == total
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_missing_registration_is_added_back_and_a_cancelled_one_stays_cancelled(app):
    run_demo(app)
    db.session.delete(person("skane-forum", "Åsa"))
    db.session.commit()
    output = run_demo(app)
    assert "registrations: 1 created," in output
    assert person("skane-forum", "Åsa").status == RegistrationStatus.CONFIRMED
    assert person("skane-forum", "Birgitta").status == RegistrationStatus.CANCELLED
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_the_waiting_person_sees_their_place_in_the_queue(app, client):
    run_demo(app)
    waiting = person("jamtland-radet", "Oskar")
    html = client.get(f"/r/{links.token_for(waiting)}").get_data(as_text=True)
    assert "Oskar" in html
    assert "Du är nummer 2 på väntelistan." in html


def test_the_invitation_only_council_has_its_invitee_list(app):
    from forum.invitations.models import InvitationState, Invitee

    run_demo(app)
    council = event("jamtland-radet")
    invitees = db.session.scalars(select(Invitee).where(Invitee.event_id == council.id)).all()
    states = Counter(invitee.state for invitee in invitees)
    registered = db.session.scalar(select(func.count(Registration.id)).where(Registration.event_id == council.id))
    assert states[InvitationState.REGISTERED] == registered
    assert states[InvitationState.DECLINED] == 1
    assert states[InvitationState.OPENED] == 1
    assert states[InvitationState.NOT_SENT] == 2
    declined = next(i for i in invitees if i.state == InvitationState.DECLINED)
    assert declined.decline_reason


def test_speakers_material_and_the_call_for_contributions(app):
    from forum.programme.models import CallStatus, ContributionCall, Proposal, ProposalStatus

    run_demo(app)
    skane = event("skane-forum")
    items = {item.title: item for item in skane.programme_items}
    assert [s.name for s in items["Ukraina – ett samhälle som håller"].speakers] == ["Olena Kovalenko"]
    assert items["Samhällets nya verklighet"].links[0]["url"].startswith("https://")
    halland = event("halland-beredskap")
    call = db.session.scalar(select(ContributionCall).where(ContributionCall.event_id == halland.id))
    assert call.status == CallStatus.OPEN
    proposals = db.session.scalars(select(Proposal).where(Proposal.event_id == halland.id)).all()
    assert Counter(p.status for p in proposals) == {
        ProposalStatus.SUBMITTED: 2,
        ProposalStatus.ACCEPTED: 1,
        ProposalStatus.DECLINED: 1,
    }
    accepted = next(p for p in proposals if p.status == ProposalStatus.ACCEPTED)
    assert [s.name for s in accepted.programme_item.speakers] == ["Per Andersson", "Lena Andersson"]


def test_a_device_and_part_of_the_skane_attendees_are_checked_in(app):
    from forum.checkin import services as checkin
    from forum.checkin.models import Device

    output = run_demo(app)
    skane = event("skane-forum")
    [device] = db.session.scalars(select(Device).where(Device.event_id == skane.id)).all()
    token = re.search(r"Check-in device token for skane-forum \(.*\): (\S+)", output).group(1)
    assert checkin.find_device(token).id == device.id
    counts = checkin.counts(skane)
    assert 0 < counts["checked_in"] < counts["expected"]
    assert "Check-in device token" not in run_demo(app)
