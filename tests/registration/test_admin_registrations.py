"""The organiser's registrations: list with counts, filters and search; a registration's page and
its actions (each changes the status, e-mails the person and is audited); manual add and edit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.privacy.models import AuditLog
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration import links, services
from forum.registration.models import (
    Question,
    QuestionKind,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    SignupStatus,
)
from tests import factories
from tests.auth.helpers import error_for, text, value_of
from tests.conftest import in_days, login_as, submit


@pytest.fixture
def event(app):
    return factories.event(slug="halland-beredskap", title="Temamöte om beredskap", capacity=2)


def person(first: str, last: str = "Öberg", **fields) -> services.Details:
    email = fields.pop("email", f"{first.casefold()}@example.org")
    return services.Details(first_name=first, last_name=last, email=email, **fields)


def add(event, first: str, last: str = "Öberg", **fields) -> Registration:
    registration = services.register(event, person(first, last, **fields)).registration
    db.session.commit()
    return registration


def base(event) -> str:
    return f"/admin/events/{event.slug}/registrations"


def detail(registration: Registration) -> str:
    return f"{base(registration.event)}/{registration.id}"


def fresh(registration: Registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


def messages(purpose: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id))
    )


def audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def count_of(html: str, status: str) -> str:
    match = re.search(rf'id="count-{status}">(\d+)<', html)
    assert match, f"no count for {status}"
    return match.group(1)


def rows(html: str) -> list[str]:
    """The names in the list's table, in order (shown "Last, First")."""
    return [re.sub(r"<[^>]+>", "", row).strip() for row in re.findall(r'<th scope="row">(.*?)</th>', html, re.S)]


def act(client, registration: Registration, action: str, page: str | None = None):
    """Press an action's button: the CSRF token comes from the page the button is on."""
    return submit(client, page or detail(registration), {}, post_url=f"{detail(registration)}/{action}")


@pytest.fixture
def mixed(event):
    """An approval event with two seats: two confirmed, one waiting, one pending, one cancelled."""
    event.requires_approval = True
    user = factories.user(roles={event: "organiser"})
    people = [
        add(event, "Anna", "Berg", organisation="Halmstads kommun"),
        add(event, "Bo", "Ek", organisation="Länsstyrelsen Halland"),
        add(event, "Cecilia", "Falk", organisation="LRF Halland"),
        add(event, "David", "Grön", organisation="Röda korset"),
        add(event, "Eva", "Holm", organisation="Halmstads kommun"),
    ]
    for registration in people[:3]:
        services.approve(registration, by=user)
    services.cancel(people[4])
    db.session.commit()
    return people


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_counts_seats_and_every_registration(signed_in, event, mixed):
    html = text(signed_in.get(base(event)))
    assert count_of(html, "confirmed") == "2"
    assert count_of(html, "waiting") == "1"
    assert count_of(html, "pending") == "1"
    assert count_of(html, "cancelled") == "1"
    assert "2 platser, 0 lediga" in html
    assert rows(html) == ["Berg, Anna", "Ek, Bo", "Falk, Cecilia", "Grön, David", "Holm, Eva"]
    assert "På väntelistan" in html and "nr 1" in html
    assert "Väntar på godkännande" in html and "Avbokad" in html
    assert "anna@example.org" in html and "Länsstyrelsen Halland" in html


def test_filtering_by_status(signed_in, event, mixed):
    html = text(signed_in.get(f"{base(event)}?status=waiting"))
    assert rows(html) == ["Falk, Cecilia"]
    assert "nr 1" in html
    assert rows(text(signed_in.get(f"{base(event)}?status=pending"))) == ["Grön, David"]
    assert rows(text(signed_in.get(f"{base(event)}?status=confirmed"))) == ["Berg, Anna", "Ek, Bo"]
    # an unknown status shows everyone rather than an error
    assert len(rows(text(signed_in.get(f"{base(event)}?status=nonsense")))) == 5


def test_the_waiting_filter_is_in_queue_order(signed_in, event):
    add(event, "Först", "Ö")
    add(event, "Tvåa", "Ö")
    add(event, "Zäta", "A")
    add(event, "Ärla", "A")
    html = text(signed_in.get(f"{base(event)}?status=waiting"))
    assert rows(html) == ["A, Zäta", "A, Ärla"]
    assert html.index("nr 1") < html.index("nr 2")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("halmstads", ["Berg, Anna", "Holm, Eva"]),
        ("BO@EXAMPLE", ["Ek, Bo"]),
        ("cecilia fa", ["Falk, Cecilia"]),
        ("grön", ["Grön, David"]),
    ],
)
def test_search_by_name_email_or_organisation(signed_in, event, mixed, query, expected):
    html = text(signed_in.get(base(event), query_string={"q": query}))
    assert rows(html) == expected
    assert value_of(html, "q") == query


def test_search_within_a_status(signed_in, event, mixed):
    html = text(signed_in.get(base(event), query_string={"q": "halmstads", "status": "confirmed"}))
    assert rows(html) == ["Berg, Anna"]


def test_empty_states(signed_in, event):
    assert "Inga anmälningar än." in text(signed_in.get(base(event)))
    add(event, "Anna")
    html = text(signed_in.get(base(event), query_string={"q": "ingen sådan"}))
    assert "Inga anmälningar matchar." in html
    assert "Inga anmälningar än." not in html


def test_pagination_keeps_the_filters(signed_in, app):
    big = factories.event()
    user = factories.user(roles={big: "organiser"})
    for n in range(60):
        services.register(big, person(f"P{n:02d}", organisation="Kommunen"))
    db.session.commit()
    login_as(signed_in, user)
    first = signed_in.get(base(big), query_string={"q": "kommunen", "status": "confirmed"}).get_data(as_text=True)
    assert len(rows(first)) == 50
    assert "60 anmälningar" in first
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "q=kommunen" in next_link and "status=confirmed" in next_link and "page=2" in next_link
    second = signed_in.get(next_link).get_data(as_text=True)
    assert len(rows(second)) == 10
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert set(rows(first)).isdisjoint(rows(second))


def test_health_data_is_on_the_detail_page_only_and_marked_sensitive(signed_in, event):
    registration = add(
        event, "Anna", health_consent=True, dietary=["vegan"], dietary_other="Selleri", accessibility="Hörslinga"
    )
    listing = text(signed_in.get(base(event)))
    for word in ("Vegansk", "Selleri", "Hörslinga"):
        assert word not in listing
    page = text(signed_in.get(detail(registration)))
    sensitive = page[page.index("Känsliga uppgifter") :]
    for word in ("Vegansk", "Selleri", "Hörslinga"):
        assert word in sensitive


def test_html_in_names_is_shown_as_text(signed_in, event):
    registration = add(event, "<b>Åsa</b>", "<script>alert(1)</script>", organisation="<i>Org</i>")
    for url in (base(event), detail(registration)):
        html = signed_in.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        assert "<b>Åsa</b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;i&gt;Org&lt;/i&gt;" in html or url != base(event)


def test_the_event_navigation_links_the_registrations(signed_in, event):
    html = text(signed_in.get(f"/admin/events/{event.slug}/"))
    assert f'href="{base(event)}"' in html
    assert ">Anmälningar<" in html
    assert "Intresseanmälningar" not in html


# --- one registration ----------------------------------------------------------------------------


def workshop(event, title, start_hour, capacity=None):
    item = ProgrammeItem(
        event=event,
        title=title,
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=event.starts_at + timedelta(hours=start_hour),
        ends_at=event.starts_at + timedelta(hours=start_hour + 1),
        requires_signup=True,
        capacity=capacity,
    )
    db.session.add(item)
    db.session.flush()
    return item


def test_the_detail_page_shows_every_field_answer_workshop_consent_and_the_history(signed_in, event):
    question = Question(event=event, label="Har du med dig en kollega?", kind=QuestionKind.YES_NO, position=1)
    db.session.add(question)
    water = workshop(event, "Vatten i kris", 1)
    db.session.flush()
    registration = add(
        event,
        "Anna",
        phone="070-123 45 67",
        organisation="Halmstads kommun",
        municipality_code="1380",
        contribution="Erfarenhet av reservvatten",
        show_in_participant_list=True,
        workshop_ids=[water.id],
        answers={question.id: "yes"},
    )
    html = text(signed_in.get(detail(registration)))
    for expected in (
        "Anna Öberg",
        "anna@example.org",
        "070-123 45 67",
        "Halmstads kommun",
        "Halmstad",
        "Erfarenhet av reservvatten",
        "Har du med dig en kollega?",
        "Vatten i kris",
        "Plats",
        "Integritetspolicyn",
        "Bekräftad",
        "Webbformuläret",
        "Inga uppgifter: personen har inte samtyckt",
    ):
        assert expected in html, expected
    answers = html[html.index("Svar på arrangörens frågor") :]
    assert "<dd>Ja</dd>" in answers
    # The history starts empty for an online registration; actions show up in it (see below).
    assert "Inget har loggats för anmälan." in html


def test_another_events_registration_is_not_found(signed_in, event):
    other = factories.event()
    stranger = add(other, "Anna")
    db.session.commit()
    url = f"{base(event)}/{stranger.id}"
    assert signed_in.get(url).status_code == 404
    assert signed_in.get(f"{url}/edit").status_code == 404
    assert signed_in.get(f"{url}/cancel").status_code == 404
    own = add(event, "Bo")
    token_page = detail(own)
    response = submit(signed_in, token_page, {}, post_url=f"{url}/approve")
    assert response.status_code == 404
    assert signed_in.get(f"{base(event)}/999999").status_code == 404


# --- actions -------------------------------------------------------------------------------------


def test_approve_gives_a_seat_emails_and_audits(signed_in, event, organiser):
    event.requires_approval = True
    registration = add(event, "Anna")
    assert registration.status == RegistrationStatus.PENDING
    response = act(signed_in, registration, "approve")
    assert response.status_code == 303
    page = text(signed_in.get(response.headers["Location"]))
    assert "Anna Öberg är godkänd och har fått en plats." in page
    assert fresh(registration).status == RegistrationStatus.CONFIRMED
    [mail] = messages("registration.approval")
    assert mail.recipient == "anna@example.org"
    [entry] = audit("registration.approved")
    assert (entry.user_id, entry.target_id, entry.details["status"]) == (organiser.id, registration.id, "confirmed")
    # the history on the page names who did it
    assert "Anmälan godkändes" in page and "Olle Arrangör" in page


def test_approve_when_full_puts_the_person_on_the_waiting_list(signed_in, event):
    event.requires_approval = True
    organiser = factories.user(roles={event: "organiser"})
    first, second, third = add(event, "Anna"), add(event, "Bo"), add(event, "Cecilia")
    services.approve(first, by=organiser)
    services.approve(second, by=organiser)
    db.session.commit()
    response = act(signed_in, third, "approve")
    page = text(signed_in.get(response.headers["Location"]))
    assert fresh(third).status == RegistrationStatus.WAITING
    assert "står på väntelistan som nummer 1" in page
    assert [m.recipient for m in messages("registration.approval")][-1] == "cecilia@example.org"


def test_an_action_that_does_not_fit_the_status_changes_nothing(signed_in, event):
    registration = add(event, "Anna")  # confirmed: nothing to approve
    response = act(signed_in, registration, "approve")
    page = text(signed_in.get(response.headers["Location"]))
    assert "Det går inte med anmälans nuvarande status (Bekräftad)." in page
    assert messages("registration.approval") == []
    assert audit("registration.approved") == []


def test_decline_asks_first_then_declines_emails_and_audits(signed_in, event, organiser):
    event.requires_approval = True
    registration = add(event, "Anna")
    page = text(signed_in.get(f"{detail(registration)}/decline"))
    assert "Avböja anmälan?" in page and "Anna Öberg" in page
    assert fresh(registration).status == RegistrationStatus.PENDING  # the GET changed nothing
    response = act(signed_in, registration, "decline", page=f"{detail(registration)}/decline")
    assert response.status_code == 303
    assert "Anmälan från Anna Öberg är avböjd." in text(signed_in.get(response.headers["Location"]))
    assert fresh(registration).status == RegistrationStatus.DECLINED
    assert [m.recipient for m in messages("registration.decline")] == ["anna@example.org"]
    [entry] = audit("registration.declined")
    assert (entry.user_id, entry.target_id) == (organiser.id, registration.id)


def test_cancel_promotes_the_first_on_the_waiting_list(signed_in, event, organiser):
    anna, _bo, cecilia, david = add(event, "Anna"), add(event, "Bo"), add(event, "Cecilia"), add(event, "David")
    assert (fresh(cecilia).status, fresh(david).status) == (RegistrationStatus.WAITING,) * 2
    confirm_page = text(signed_in.get(f"{detail(anna)}/cancel"))
    assert "Avboka anmälan?" in confirm_page
    assert "Platsen går till den första på väntelistan" in confirm_page
    response = act(signed_in, anna, "cancel", page=f"{detail(anna)}/cancel")
    page = text(signed_in.get(response.headers["Location"]))
    assert "Anmälan från Anna Öberg är avbokad." in page
    assert "Fick en plats från väntelistan: Cecilia Öberg." in page
    assert fresh(anna).status == RegistrationStatus.CANCELLED
    assert fresh(cecilia).status == RegistrationStatus.CONFIRMED
    assert fresh(david).status == RegistrationStatus.WAITING
    assert [m.recipient for m in messages("registration.cancellation")] == ["anna@example.org"]
    assert [m.recipient for m in messages("registration.promotion")] == ["cecilia@example.org"]
    [cancelled] = audit("registration.cancelled")
    assert (cancelled.user_id, cancelled.target_id) == (organiser.id, anna.id)
    [promoted] = audit("registration.promoted")
    assert promoted.target_id == cecilia.id
    # a cancelled registration offers no more actions
    assert "Åtgärder" not in text(signed_in.get(detail(anna)))


def test_moving_from_the_waiting_list_beyond_capacity_warns(signed_in, event, organiser):
    add(event, "Anna"), add(event, "Bo")
    cecilia = add(event, "Cecilia")
    page = text(signed_in.get(detail(cecilia)))
    assert "Evenemanget är fullt (2 bekräftade på 2 platser)" in page
    assert "Ge en plats utöver kapaciteten" in page
    response = act(signed_in, cecilia, "move-from-waiting-list")
    page = text(signed_in.get(response.headers["Location"]))
    assert "Cecilia Öberg har flyttats från väntelistan och har fått en plats." in page
    assert "Evenemanget har nu 3 bekräftade deltagare men bara 2 platser." in page
    assert fresh(cecilia).status == RegistrationStatus.CONFIRMED
    assert services.confirmed_count(event) == 3
    assert [m.recipient for m in messages("registration.promotion")] == ["cecilia@example.org"]
    [entry] = audit("registration.moved_from_waiting_list")
    assert (entry.user_id, entry.target_id) == (organiser.id, cecilia.id)
    assert "Flyttades från väntelistan av arrangör" in page
    listing = text(signed_in.get(base(event)))
    assert "(fler bekräftade än platser)" in listing


def test_moving_from_the_waiting_list_within_capacity_has_no_warning(signed_in, event):
    event.capacity = None
    db.session.commit()
    registration = add(event, "Anna")
    registration.status = RegistrationStatus.WAITING  # e.g. queued before the organiser raised the limit
    db.session.commit()
    page = text(signed_in.get(detail(registration)))
    assert "Flytta från väntelistan" in page and "utöver kapaciteten" not in page
    response = act(signed_in, registration, "move-from-waiting-list")
    assert "bekräftade deltagare men bara" not in text(signed_in.get(response.headers["Location"]))
    assert fresh(registration).status == RegistrationStatus.CONFIRMED


def test_a_new_link_replaces_the_old_one(signed_in, event, organiser):
    registration = add(event, "Anna")
    old = links.token_for(registration)
    assert services.find_by_token(old) is not None
    response = act(signed_in, registration, "new-link")
    page = text(signed_in.get(response.headers["Location"]))
    assert "En ny personlig länk är skickad till anna@example.org." in page
    db.session.expire_all()
    assert services.find_by_token(old) is None
    assert services.find_by_token(links.token_for(fresh(registration))).id == registration.id
    assert [m.recipient for m in messages("registration.link")] == ["anna@example.org"]
    [entry] = audit("registration.link_renewed")
    assert (entry.user_id, entry.target_id) == (organiser.id, registration.id)


def test_actions_need_the_csrf_token(signed_in, event):
    registration = add(event, "Anna")
    response = signed_in.post(f"{detail(registration)}/cancel", data={})
    assert response.status_code == 400
    assert fresh(registration).status == RegistrationStatus.CONFIRMED


# --- manual add ----------------------------------------------------------------------------------


def add_data(**fields) -> dict:
    data = {
        "first_name": "Łukasz",
        "last_name": "Nguyễn",
        "email": "lukasz@example.org",
        "organisation": "Falkenbergs kommun",
        "consent_confirmed": "y",
        "language": "en",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def all_registrations(event) -> list[Registration]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Registration).where(Registration.event_id == event.id).order_by(Registration.id))
    )


def test_manual_add_works_while_registration_is_closed(signed_in, event, organiser):
    event.registration_opens_at = in_days(-10)
    event.registration_closes_at = in_days(-1)
    event.requires_approval = True  # the organiser's own addition needs no approval
    db.session.commit()
    url = f"{base(event)}/new"
    page = text(signed_in.get(url))
    assert "Webbformuläret är inte öppet" in page
    response = submit(signed_in, url, add_data())
    assert response.status_code == 303
    [registration] = all_registrations(event)
    assert response.headers["Location"].endswith(f"/registrations/{registration.id}")
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.source == RegistrationSource.ORGANISER
    assert (registration.name, registration.language) == ("Łukasz Nguyễn", "en")
    [mail] = messages("registration.confirmation")
    assert mail.recipient == "lukasz@example.org"
    assert "Confirmation" in mail.subject  # in the language the organiser chose
    [entry] = audit("registration.added")
    assert (entry.user_id, entry.target_id, entry.details["status"]) == (organiser.id, registration.id, "confirmed")
    shown = text(signed_in.get(response.headers["Location"]))
    assert "Łukasz Nguyễn är anmäld och har fått en plats." in shown
    assert "Tillagd av arrangör" in shown


def test_manual_add_when_full_goes_to_the_waiting_list(signed_in, event):
    add(event, "Anna"), add(event, "Bo")
    url = f"{base(event)}/new"
    assert "Evenemanget är fullt: den du lägger till hamnar på väntelistan." in text(signed_in.get(url))
    response = submit(signed_in, url, add_data(language="sv"))
    assert "står på väntelistan som nummer 1" in text(signed_in.get(response.headers["Location"]))
    assert all_registrations(event)[-1].status == RegistrationStatus.WAITING
    assert len(messages("registration.waiting")) == 1


def test_manual_add_of_someone_already_registered_links_to_them(signed_in, event):
    existing = add(event, "Anna")
    before = db.session.scalar(select(func.count(OutboxMessage.id)))
    response = submit(signed_in, f"{base(event)}/new", add_data(email="ANNA@example.org", first_name="Annie"))
    assert response.status_code == 200
    html = text(response)
    assert "Anna Öberg (anna@example.org) är redan anmäld till evenemanget" in html
    assert f'href="{detail(existing)}"' in html
    assert error_for(html, "email") == "Personen är redan anmäld till evenemanget."
    assert value_of(html, "first_name") == "Annie"
    assert [r.id for r in all_registrations(event)] == [existing.id]
    # nothing is sent to the person, nothing is logged
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == before
    assert audit("registration.added") == []


def test_manual_add_with_errors_keeps_what_was_typed(signed_in, event):
    response = submit(signed_in, f"{base(event)}/new", add_data(email="inte-en-adress", consent_confirmed=None))
    assert response.status_code == 200
    html = text(response)
    assert "Skriv en giltig e-postadress" in error_for(html, "email")
    assert error_for(html, "consent_confirmed") == "Bekräfta att personen har samtyckt."
    assert value_of(html, "first_name") == "Łukasz"
    assert value_of(html, "email") == "inte-en-adress"
    assert all_registrations(event) == []


def test_manual_add_refused_by_the_service_keeps_what_was_typed(signed_in, event):
    water = workshop(event, "Vatten", 1)
    heat = workshop(event, "Värme", 1)
    db.session.commit()
    response = submit(signed_in, f"{base(event)}/new", add_data(workshops=[str(water.id), str(heat.id)]))
    html = text(response)
    assert "pågår samtidigt" in html
    assert value_of(html, "email") == "lukasz@example.org"
    assert all_registrations(event) == []


# --- edit ----------------------------------------------------------------------------------------


def edit_data(**fields) -> dict:
    data = {"first_name": "Anna", "last_name": "Öberg", "email": "anna@example.org", "consent_confirmed": "y"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_edit_saves_and_audits(signed_in, event, organiser):
    registration = add(event, "Anna")
    water = workshop(event, "Vatten", 1, capacity=5)
    db.session.commit()
    url = f"{detail(registration)}/edit"
    page = text(signed_in.get(url))
    assert value_of(page, "first_name") == "Anna"
    response = submit(signed_in, url, edit_data(last_name="Ödman", phone="035-13 70 00", workshops=str(water.id)))
    assert response.status_code == 303
    assert "Ändringarna är sparade." in text(signed_in.get(response.headers["Location"]))
    saved = fresh(registration)
    assert (saved.last_name, saved.phone) == ("Ödman", "035-13 70 00")
    assert [s.status for s in saved.signups] == [SignupStatus.CONFIRMED]
    [entry] = audit("registration.updated")
    assert (entry.user_id, entry.target_id) == (organiser.id, registration.id)


def test_edit_with_an_error_keeps_the_typed_values(signed_in, event):
    registration = add(event, "Anna")
    response = submit(signed_in, f"{detail(registration)}/edit", edit_data(last_name="Ödman", email="fel@"))
    assert response.status_code == 200
    html = text(response)
    assert "Skriv en giltig e-postadress" in error_for(html, "email")
    assert value_of(html, "last_name") == "Ödman"
    assert value_of(html, "email") == "fel@"
    assert fresh(registration).last_name == "Öberg"


def test_edit_to_an_e_mail_someone_else_has_is_refused(signed_in, event):
    registration = add(event, "Anna")
    add(event, "Bo")
    response = submit(signed_in, f"{detail(registration)}/edit", edit_data(email="bo@example.org", last_name="Ny"))
    html = text(response)
    assert error_for(html, "email") == "Det finns redan en anmälan med den e-postadressen."
    assert value_of(html, "last_name") == "Ny"
    assert fresh(registration).email == "anna@example.org"


def test_a_cancelled_registration_is_not_edited(signed_in, event):
    registration = add(event, "Anna")
    services.cancel(registration)
    db.session.commit()
    response = signed_in.get(f"{detail(registration)}/edit")
    assert response.status_code == 303
    assert "kan inte ändras" in text(signed_in.get(response.headers["Location"]))


# --- access --------------------------------------------------------------------------------------


def urls(registration: Registration) -> list[str]:
    return [
        base(registration.event),
        f"{base(registration.event)}/new",
        detail(registration),
        f"{detail(registration)}/edit",
        f"{detail(registration)}/decline",
        f"{detail(registration)}/cancel",
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, event):
    registration = add(event, "Anna")
    for url in urls(registration):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["checkin", "other organiser"])
def test_check_in_staff_and_other_events_organisers_are_refused(client, event, who):
    registration = add(event, "Anna")
    other = factories.event()
    user = factories.user(roles={event: "checkin"} if who == "checkin" else {other: "organiser"})
    db.session.commit()
    login_as(client, user)
    for url in urls(registration):
        assert client.get(url).status_code == 403, url
    for action in ("approve", "move-from-waiting-list", "new-link", "cancel", "decline"):
        # with a valid token (from the logout form on any page), so that the refusal is the access check's
        response = submit(client, "/admin/", {}, post_url=f"{detail(registration)}/{action}")
        assert response.status_code == 403, action
    assert fresh(registration).status == RegistrationStatus.CONFIRMED
    assert audit("registration.cancelled") == []
