"""The organiser's invitee screens: the list with each invitee's state, filters, search and pages;
adding by hand, from the interest list and from the host's earlier events; sending to the selected
and to all not yet invited; reminders by button; removing; the invitation text with its checks and
a preview with a real invitee; access and CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forum.db import utcnow
from forum.extensions import db
from forum.invitations import sending, services, texts
from forum.invitations.models import InvitationState, InvitationText, Invitee, InviteeSource
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.privacy.models import AuditLog
from forum.registration import services as registration_services
from forum.registration.models import RegistrationStatus
from tests import factories
from tests.auth.helpers import english, error_for, text, value_of
from tests.conftest import csrf_from, login_as, submit

# Next year's 25 February, 9.00 in Stockholm (winter time): always ahead, never over.
YEAR = datetime.now(UTC).year + 1
STARTS = datetime(YEAR, 2, 25, 8, 0, tzinfo=UTC)
ASCII = str.maketrans("åäö", "aao")


@pytest.fixture
def host(app):
    return factories.organisation(name="Länsstyrelsen Jämtlands län")


@pytest.fixture
def event(host):
    return factories.event(
        slug="regionala-radet",
        title="Regionala rådet för samhällsberedskap",
        organisation=host,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=3),
        venue_name="Länsresidenset",
        venue_city="Östersund",
    )


def base(event) -> str:
    return f"/admin/events/{event.slug}/invitees"


def invite(event, first: str, email: str | None = None, language: str = "sv", **fields) -> Invitee:
    person = services.InviteeData(
        email=email or f"{first.casefold().translate(ASCII)}@example.org",
        first_name=first,
        last_name=fields.pop("last_name", "Öberg"),
        language=language,
        **fields,
    )
    [invitee] = services.add_invitees(event, [person], InviteeSource.MANUAL)
    db.session.commit()
    return invitee


def fresh(invitee: Invitee) -> Invitee:
    db.session.expire_all()
    return db.session.get(Invitee, invitee.id)


def row(html: str, invitee: Invitee) -> str:
    match = re.search(rf'<tr id="invitee-{invitee.id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for invitee {invitee.id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def count_shown(html: str, state: str) -> int:
    return int(re.search(rf'<dd id="count-{state}">(\d+)</dd>', html).group(1))


def messages(purpose: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if purpose:
        query = query.where(OutboxMessage.purpose == purpose)
    return list(db.session.scalars(query))


def post_list_action(client, event, path: str, data: dict | None = None):
    """Press a button of the list page: its CSRF token, the checked boxes in `data`."""
    page = client.get(base(event))
    payload = {"csrf_token": csrf_from(page.get_data(as_text=True))}
    payload.update(data or {})
    return client.post(f"{base(event)}/{path}", data=payload, follow_redirects=True)


# --- the list and its states ---------------------------------------------------------------------


def test_empty_list_says_how_to_add_people(signed_in, event):
    html = text(signed_in.get(base(event)))
    assert "Inga inbjudna än" in html
    assert f'href="{base(event)}/new"' in html
    assert f'href="{base(event)}/import"' in html
    assert f'href="{base(event)}/interest"' in html
    assert f'href="{base(event)}/network"' in html
    assert 'aria-current="page">Inbjudna</a>' in html  # the event navigation


def test_each_state_is_shown_as_it_happens(signed_in, event):
    asa = invite(event, "Åsa", organisation="Krokoms kommun", role="Kommundirektör", language="en")

    def shown() -> tuple[str, str]:
        html = text(signed_in.get(base(event)))
        return html, row(html, asa)

    html, line = shown()
    assert "Öberg, Åsa" in line and "asa@example.org" in line
    assert "Krokoms kommun" in line and "Kommundirektör" in line and "Engelska" in line
    assert "Inte skickad" in line and count_shown(html, "not_sent") == 1

    sending.send_invitations(event, [asa])
    db.session.commit()
    html, line = shown()
    assert "I kö" in line and count_shown(html, "queued") == 1 and count_shown(html, "not_sent") == 0

    message = fresh(asa).message
    message.status, message.last_error = OutboxStatus.FAILED, "550 5.1.1 No such mailbox"
    db.session.commit()
    html, line = shown()
    assert "Misslyckades" in line and "550 5.1.1 No such mailbox" in line
    assert count_shown(html, "failed") == 1

    message = fresh(asa).message
    message.status, message.last_error = OutboxStatus.SENT, ""
    db.session.commit()
    html, line = shown()
    assert "Skickad" in line and count_shown(html, "sent") == 1

    fresh(asa).opened_at = utcnow()
    db.session.commit()
    html, line = shown()
    assert "Öppnad" in line and count_shown(html, "opened") == 1

    services.decline(fresh(asa), "Krockar med fullmäktige")
    db.session.commit()
    html, line = shown()
    assert "Tackade nej" in line and "Krockar med fullmäktige" in line and count_shown(html, "declined") == 1

    invitee = fresh(asa)
    invitee.declined_at = None
    registration_services.register(
        event,
        registration_services.Details(first_name="Åsa", last_name="Öberg", email="asa@example.org"),
        invitee=invitee,
    )
    db.session.commit()
    html, line = shown()
    assert "Anmäld" in line and count_shown(html, "registered") == 1
    assert count_shown(html, "total") == 1


def test_the_counts_agree_with_each_invitees_state(signed_in, event):
    people = [invite(event, name) for name in ("Ann", "Bo", "Cia", "Dan", "Eva")]
    sending.send_invitations(event, people[1:])
    db.session.commit()
    db.session.expire_all()
    fresh(people[2]).message.status = OutboxStatus.SENT
    db.session.commit()
    fresh(people[3]).message.status = OutboxStatus.FAILED
    db.session.commit()
    fresh(people[4]).opened_at = utcnow()
    db.session.commit()
    html = text(signed_in.get(base(event)))
    expected = dict.fromkeys(InvitationState, 0)
    for person in people:
        expected[fresh(person).state] += 1
    for state, count in expected.items():
        assert count_shown(html, state.value) == count, state


def test_filter_by_state_and_search(signed_in, event):
    asa = invite(event, "Åsa", organisation="Strömsunds kommun")
    bo = invite(event, "Bo", last_name="Jonsson", organisation="Region Jämtland Härjedalen")
    sending.send_invitations(event, [bo])
    db.session.commit()
    queued = text(signed_in.get(f"{base(event)}?state=queued"))
    assert f'id="invitee-{bo.id}"' in queued and f'id="invitee-{asa.id}"' not in queued
    not_sent = text(signed_in.get(f"{base(event)}?state=not_sent"))
    assert f'id="invitee-{asa.id}"' in not_sent and f'id="invitee-{bo.id}"' not in not_sent
    found = text(signed_in.get(f"{base(event)}?q=HÄRJEDALEN"))
    assert f'id="invitee-{bo.id}"' in found and f'id="invitee-{asa.id}"' not in found
    assert text(signed_in.get(f"{base(event)}?q=ASA@example")).count('<tr id="invitee-') == 1
    assert "Inga inbjudna matchar." in text(signed_in.get(f"{base(event)}?q=nobody"))
    assert signed_in.get(f"{base(event)}?state=nonsense&page=-3").status_code == 200


def test_the_list_has_pages(signed_in, event):
    services.add_invitees(
        event,
        [services.InviteeData(email=f"p{n:02}@example.org", last_name=f"Person {n:02}") for n in range(60)],
        InviteeSource.IMPORTED,
    )
    db.session.commit()
    first = text(signed_in.get(base(event)))
    assert first.count('<tr id="invitee-') == 50
    assert "60 inbjudna" in first
    assert 'rel="next"' in first and "page=2" in first
    second = text(signed_in.get(f"{base(event)}?page=2"))
    assert second.count('<tr id="invitee-') == 10
    assert "Person 59" in second and "Person 00" not in second


def test_the_list_in_english(signed_in, event):
    invite(event, "Åsa")
    english(signed_in)
    html = text(signed_in.get(base(event)))
    assert "Invitees" in html and "Not sent" in html
    assert "Send the invitation to the selected" in html


# --- sending and reminding -----------------------------------------------------------------------


def test_send_to_the_selected(signed_in, event, organiser):
    asa, bo, cia = (invite(event, name) for name in ("Åsa", "Bo", "Cia"))
    html = text(
        post_list_action(signed_in, event, "send", {"scope": "selected", "invitee": [str(asa.id), str(cia.id)]})
    )
    assert "2 inbjudningar ligger i utkorgen och skickas nu." in html
    assert sorted(message.recipient for message in messages("invitation")) == ["asa@example.org", "cia@example.org"]
    assert fresh(bo).state == InvitationState.NOT_SENT
    assert fresh(asa).state == InvitationState.QUEUED
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "invitations.sent")).all()
    assert entry.user_id == organiser.id and entry.details["count"] == 2


def test_send_with_nothing_selected_says_so(signed_in, event):
    invite(event, "Åsa")
    html = text(post_list_action(signed_in, event, "send", {"scope": "selected"}))
    assert "Markera minst en person i listan först." in html
    assert messages() == []


def test_another_events_invitee_cannot_be_selected(signed_in, event):
    other = invite(factories.event(), "Eva")
    post_list_action(signed_in, event, "send", {"scope": "selected", "invitee": [str(other.id), "x", "99999999"]})
    assert messages() == []


def test_send_to_all_who_have_had_none(signed_in, event):
    asa, bo, cia = (invite(event, name) for name in ("Åsa", "Bo", "Cia"))
    sending.send_invitations(event, [asa])
    services.decline(fresh(cia))
    db.session.commit()
    page = text(signed_in.get(base(event)))
    assert "Skicka till alla som inte fått någon (1)" in page
    html = text(post_list_action(signed_in, event, "send", {"scope": "unsent"}))
    assert "1 inbjudan ligger i utkorgen och skickas nu." in html
    assert [message.recipient for message in messages("invitation")] == ["asa@example.org", "bo@example.org"]
    again = text(post_list_action(signed_in, event, "send", {"scope": "unsent"}))
    assert "Alla har redan fått en inbjudan." in again


def test_sending_keeps_the_filter(signed_in, event):
    asa = invite(event, "Åsa")
    page = signed_in.get(f"{base(event)}?state=not_sent&q=åsa")
    response = signed_in.post(
        f"{base(event)}/send",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "scope": "selected",
            "invitee": str(asa.id),
            "state": "not_sent",
            "q": "åsa",
        },
    )
    assert response.status_code == 303
    assert "state=not_sent" in response.headers["Location"] and "q=" in response.headers["Location"]


def test_reminder_button_shows_the_count_and_the_limit(signed_in, event, organiser):
    asa, bo, cia = (invite(event, name) for name in ("Åsa", "Bo", "Cia"))
    sending.send_invitations(event, [asa, bo, cia])
    db.session.commit()
    db.session.expire_all()
    for person in (asa, bo, cia):
        db.session.get(Invitee, person.id).message.status = OutboxStatus.SENT
    db.session.commit()
    services.decline(fresh(cia))
    db.session.commit()
    texts.save(event, texts.Text(**{**texts.defaults(event).__dict__, "max_reminders": 1}), by=None)
    db.session.commit()

    page = text(signed_in.get(base(event)))
    assert "2 personer har inte svarat och kan få en påminnelse nu." in page
    assert "Var och en får högst 1 påminnelse." in page
    assert "Skicka påminnelse till 2 personer" in page
    html = text(post_list_action(signed_in, event, "remind"))
    assert "2 påminnelser ligger i utkorgen och skickas nu." in html
    reminders = messages(sending.PURPOSE_REMINDER)
    assert sorted(message.recipient for message in reminders) == ["asa@example.org", "bo@example.org"]
    assert all(message.subject.startswith("Påminnelse:") for message in reminders)
    assert 'class="reminders-sent">1<' in signed_in.get(base(event)).get_data(as_text=True)

    for message in reminders:
        message.status = OutboxStatus.SENT
    db.session.commit()
    page = text(signed_in.get(base(event)))
    assert "0 personer har inte svarat" in page and "Skicka påminnelse till" not in page
    html = text(post_list_action(signed_in, event, "remind"))
    assert "Ingen påminnelse skickades." in html
    assert len(messages(sending.PURPOSE_REMINDER)) == 2
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "invitations.reminded")).all()
    assert entry.user_id == organiser.id


# --- adding by hand ------------------------------------------------------------------------------


def test_add_by_hand(signed_in, event, organiser):
    response = submit(
        signed_in,
        f"{base(event)}/new",
        {
            "first_name": "Tomas",
            "last_name": "Jonsson",
            "email": "Tomas.Jonsson@Krokom.se",
            "organisation": "Krokoms kommun",
            "role": "Kommundirektör",
            "language": "en",
        },
    )
    assert response.status_code == 303
    [invitee] = services.invitees(event)
    assert (invitee.name, invitee.email, invitee.organisation, invitee.role, invitee.language) == (
        "Tomas Jonsson",
        "Tomas.Jonsson@krokom.se",
        "Krokoms kommun",
        "Kommundirektör",
        "en",
    )
    assert invitee.source == InviteeSource.MANUAL
    assert invitee.state == InvitationState.NOT_SENT
    assert messages() == []  # nothing is sent until the organiser sends
    html = text(signed_in.get(response.headers["Location"]))
    assert "Tomas Jonsson är tillagd." in html
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "invitees.added")).user_id == organiser.id


def test_add_by_hand_defaults_to_the_events_language(signed_in, event):
    html = signed_in.get(f"{base(event)}/new").get_data(as_text=True)
    assert '<option selected value="sv">' in html or '<option value="sv" selected>' in html


def test_add_by_hand_shows_problems_next_to_the_fields_and_keeps_what_was_typed(signed_in, event):
    response = submit(
        signed_in,
        f"{base(event)}/new",
        {
            "first_name": "",
            "last_name": "Jonsson",
            "email": "inte en adress",
            "organisation": "Krokom",
            "language": "fr",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_for(html, "first_name") == "Fyll i fältet."
    assert "giltig e-postadress" in error_for(html, "email")
    assert error_for(html, "language") == "Välj ett av alternativen."
    assert value_of(html, "email") == "inte en adress"
    assert value_of(html, "organisation") == "Krokom"
    assert services.invitees(event) == []


def test_add_by_hand_an_address_already_invited(signed_in, event):
    invite(event, "Åsa", email="asa@example.org")
    response = submit(
        signed_in, f"{base(event)}/new", {"first_name": "Åsa", "email": "ASA@example.org", "language": "sv"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_for(html, "email") == "ASA@example.org är redan inbjuden till evenemanget."
    assert "already-invited" in html
    assert len(services.invitees(event)) == 1


def test_add_and_continue_with_the_next(signed_in, event):
    response = submit(
        signed_in,
        f"{base(event)}/new",
        {"first_name": "Bo", "email": "bo@example.org", "language": "sv", "another": "1"},
    )
    assert response.headers["Location"].endswith(f"{base(event)}/new")


# --- from the interest list ----------------------------------------------------------------------


def test_add_from_the_interest_list(signed_in, event):
    event.date_is_preliminary = True
    for name, email, language in (
        ("Anneli Svensson", "anneli@example.org", "sv"),
        ("Tomas Jonsson", "tomas@example.org", "en"),
        ("Åsa Öberg", "asa@example.org", "sv"),
    ):
        registration_services.register_interest(
            event, name=name, email=email, organisation="Strömsund", kinds=["follow"], language=language
        )
    db.session.commit()
    invite(event, "Åsa", email="ASA@example.org")

    page = signed_in.get(f"{base(event)}/interest").get_data(as_text=True)
    assert "Anneli Svensson" in page and "Tomas Jonsson" in page
    assert "asa@example.org" not in page  # already invited
    assert page.count(" checked ") + page.count(" checked>") == 2  # all preselected

    interests = {interest.email: interest for interest in admin_interests(event)}
    response = signed_in.post(
        f"{base(event)}/interest",
        data={"csrf_token": csrf_from(page), "interest": [str(interests["tomas@example.org"].id)]},
    )
    assert response.status_code == 303
    tomas = db.session.scalar(select(Invitee).where(Invitee.email_key == "tomas@example.org"))
    assert (tomas.first_name, tomas.last_name, tomas.organisation, tomas.language, tomas.source) == (
        "Tomas",
        "Jonsson",
        "Strömsund",
        "en",
        InviteeSource.INTEREST,
    )
    assert "1 person är tillagd." in text(signed_in.get(response.headers["Location"]))
    left = signed_in.get(f"{base(event)}/interest").get_data(as_text=True)
    assert "Anneli Svensson" in left and "Tomas Jonsson" not in left


def admin_interests(event):
    from forum.invitations import admin_services

    return admin_services.interest_candidates(event)


def test_interest_list_with_nothing_to_add(signed_in, event):
    page = text(signed_in.get(f"{base(event)}/interest"))
    assert "Det finns inga intresseanmälningar som inte redan är inbjudna." in page
    response = signed_in.post(
        f"{base(event)}/interest", data={"csrf_token": csrf_from(signed_in.get(base(event)).get_data(as_text=True))}
    )
    assert "Markera minst en person först." in text(response)


# --- from the network ----------------------------------------------------------------------------


def register(event, first: str, email: str, language: str = "sv", status=None):
    registration = registration_services.register(
        event,
        registration_services.Details(
            first_name=first, last_name="Nätverk", email=email, organisation="Räddningstjänsten"
        ),
        language=language,
    ).registration
    if status is not None:
        registration.status = status
    db.session.commit()
    return registration


def test_add_from_the_hosts_earlier_events(signed_in, event, host):
    earlier = factories.event(title="Regionala rådet 2025", organisation=host, starts_at=STARTS - timedelta(days=365))
    earliest = factories.event(title="Regionala rådet 2024", organisation=host, starts_at=STARTS - timedelta(days=730))
    stranger = factories.event(title="Annan arrangör")
    anna = register(earlier, "Anna", "anna@example.org", language="en")
    register(earliest, "Anna", "ANNA@example.org")  # the same person: offered once, at the newest event
    berit = register(earliest, "Berit", "berit@example.org")
    register(earliest, "Cecilia", "cecilia@example.org", status=RegistrationStatus.CANCELLED)
    register(stranger, "David", "david@example.org")
    register(earlier, "Erik", "erik@example.org")
    invite(event, "Erik", email="erik@example.org")

    page = signed_in.get(f"{base(event)}/network").get_data(as_text=True)
    assert "Regionala rådet 2025" in page and "Regionala rådet 2024" in page
    assert page.index("Regionala rådet 2025") < page.index("Regionala rådet 2024")
    assert page.count("anna@example.org") + page.count("ANNA@example.org") == 1
    assert "berit@example.org" in page
    assert "cecilia@example.org" not in page  # cancelled
    assert "david@example.org" not in page  # another host's event
    assert "erik@example.org" not in page  # already invited
    assert "Annan arrangör" not in page

    response = signed_in.post(
        f"{base(event)}/network",
        data={"csrf_token": csrf_from(page), "registration": [str(anna.id), str(berit.id)]},
    )
    assert response.status_code == 303
    added = {invitee.email: invitee for invitee in services.invitees(event) if invitee.source == InviteeSource.NETWORK}
    assert set(added) == {"anna@example.org", "berit@example.org"}
    assert added["anna@example.org"].language == "en"
    assert added["berit@example.org"].organisation == "Räddningstjänsten"
    assert "Det finns inga deltagare" in text(signed_in.get(f"{base(event)}/network"))


def test_add_a_whole_earlier_event(signed_in, event, host):
    earlier = factories.event(title="Regionala rådet 2025", organisation=host, starts_at=STARTS - timedelta(days=365))
    register(earlier, "Anna", "anna@example.org")
    register(earlier, "Berit", "berit@example.org")
    page = signed_in.get(f"{base(event)}/network").get_data(as_text=True)
    signed_in.post(f"{base(event)}/network", data={"csrf_token": csrf_from(page), "whole_event": str(earlier.id)})
    assert sorted(invitee.email for invitee in services.invitees(event)) == ["anna@example.org", "berit@example.org"]


def test_a_registration_not_offered_cannot_be_posted(signed_in, event):
    stranger = register(factories.event(title="Annan arrangör"), "David", "david@example.org")
    page = signed_in.get(f"{base(event)}/network").get_data(as_text=True)
    response = signed_in.post(
        f"{base(event)}/network", data={"csrf_token": csrf_from(page), "registration": [str(stranger.id)]}
    )
    assert response.status_code == 200
    assert "Markera minst en person först." in text(response)
    assert services.invitees(event) == []


# --- removing ------------------------------------------------------------------------------------


def test_remove_after_confirmation(signed_in, event, organiser):
    asa = invite(event, "Åsa")
    confirm = text(signed_in.get(f"{base(event)}/{asa.id}/remove"))
    assert "Ta bort inbjuden?" in confirm and "asa@example.org" in confirm
    assert len(services.invitees(event)) == 1
    response = submit(signed_in, f"{base(event)}/{asa.id}/remove", {})
    assert response.status_code == 303
    assert services.invitees(event) == []
    assert "Åsa Öberg är borttagen" in text(signed_in.get(response.headers["Location"]))
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "invitee.removed")).user_id == organiser.id


def test_another_events_invitee_cannot_be_removed(signed_in, event):
    other = invite(factories.event(), "Eva")
    assert signed_in.get(f"{base(event)}/{other.id}/remove").status_code == 404


# --- the text ------------------------------------------------------------------------------------


def text_form(client, event, **fields):
    page = client.get(f"{base(event)}/text").get_data(as_text=True)
    default = texts.defaults(event)
    data = {
        "subject_sv": default.subject_sv,
        "body_sv": default.body_sv,
        "subject_en": default.subject_en,
        "body_en": default.body_en,
        "max_reminders": "2",
        "action": "save",
        "csrf_token": csrf_from(page),
    }
    data.update(fields)
    return data


def test_the_text_page_shows_the_defaults_the_placeholders_and_a_real_preview(signed_in, event):
    asa = invite(event, "Åsa")
    page = signed_in.get(f"{base(event)}/text")
    html = text(page)
    assert "Det här är standardtexten." in html
    assert "{namn}" in html and "{name}" in html and "{länk}" in html and "{link}" in html
    assert value_of(page.get_data(as_text=True), "subject_sv") == "Inbjudan: {evenemang}"
    preview = html[html.index('id="preview"') :]
    assert "Inbjudan: Regionala rådet för samhällsberedskap" in preview
    assert "Invitation: Regionala rådet för samhällsberedskap" in preview
    assert "Hej Åsa Öberg!" in preview
    assert f"25 februari {YEAR}, kl. 9.00–12.00" in preview
    assert "Länsresidenset, Östersund" in preview
    assert services.invitation_url(fresh(asa)) in preview
    assert f'href="{services.invitation_url(fresh(asa))}"' not in preview  # shown, not clickable
    assert "Det här får Åsa Öberg" in preview


def test_the_preview_with_a_chosen_invitee(signed_in, event):
    invite(event, "Åsa")
    bo = invite(event, "Bo", last_name="Andersson", language="en")
    html = text(signed_in.get(f"{base(event)}/text?invitee={bo.id}"))
    preview = html[html.index('id="preview"') :]
    assert "Hello Bo Andersson," in preview
    assert services.invitation_url(fresh(bo)) in preview
    english_part = preview[preview.index('id="preview-en"') :]
    assert "Det här får Bo Andersson" in english_part
    other = invite(factories.event(), "Eva")
    assert "Eva" not in text(signed_in.get(f"{base(event)}/text?invitee={other.id}"))


def test_the_text_page_without_invitees(signed_in, event):
    assert "Lägg till minst en inbjuden" in text(signed_in.get(f"{base(event)}/text"))


def test_save_the_text(signed_in, event, organiser):
    invite(event, "Åsa")
    data = text_form(
        signed_in,
        event,
        subject_sv="Välkommen till {evenemang}",
        body_sv="Hej {namn}!\r\n\r\nVi ses {datum} i {plats}.\r\n{länk}",
        subject_en="Welcome to {event}",
        body_en="Hello {name},\n\n{link}",
        max_reminders="3",
    )
    response = signed_in.post(f"{base(event)}/text", data=data)
    assert response.status_code == 303
    row = db.session.scalar(select(InvitationText).where(InvitationText.event_id == event.id))
    assert row.subject_sv == "Välkommen till {evenemang}"
    assert row.body_sv == "Hej {namn}!\n\nVi ses {datum} i {plats}.\n{länk}\n"
    assert row.max_reminders == 3
    html = text(signed_in.get(response.headers["Location"]))
    assert "Inbjudningstexten är sparad." in html
    assert "Välkommen till Regionala rådet för samhällsberedskap" in html
    assert f"Vi ses 25 februari {YEAR}, kl. 9.00–12.00 i Länsresidenset, Östersund." in html
    assert "Det här är standardtexten." not in html
    assert (
        db.session.scalar(select(AuditLog).where(AuditLog.action == "invitations.text_saved")).user_id == organiser.id
    )


def test_unknown_placeholders_and_unbalanced_braces_are_refused_next_to_the_field(signed_in, event):
    invite(event, "Åsa")
    data = text_form(
        signed_in,
        event,
        subject_sv="Inbjudan {förnamn}",
        body_en="Hello {name.__class__}\n{link",
        max_reminders="9",
    )
    response = signed_in.post(f"{base(event)}/text", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "{förnamn}" in error_for(html, "subject_sv") and "Okända platshållare" in error_for(html, "subject_sv")
    body_error = error_for(html, "body_en")
    assert "{name.__class__}" in body_error and "Klamrarna går inte jämnt ut (rad 2)" in body_error
    assert error_for(html, "max_reminders") == "Välj ett av alternativen."
    assert value_of(html, "subject_sv") == "Inbjudan {förnamn}"
    assert "Hello {name.__class__}" in html  # the text area keeps what was typed
    assert db.session.scalar(select(InvitationText)) is None


def test_preview_without_saving(signed_in, event):
    invite(event, "Åsa")
    data = text_form(signed_in, event, subject_sv="Testa {namn}", action="preview")
    response = signed_in.post(f"{base(event)}/text", data=data)
    assert response.status_code == 200
    html = text(response)
    assert "Förhandsgranskningen visar texten i formuläret, som inte är sparad än." in html
    assert "Testa Åsa Öberg" in html
    assert db.session.scalar(select(InvitationText)) is None


def test_invitations_use_the_saved_text(signed_in, event):
    asa = invite(event, "Åsa")
    signed_in.post(f"{base(event)}/text", data=text_form(signed_in, event, subject_sv="Kom till {evenemang}!"))
    post_list_action(signed_in, event, "send", {"scope": "selected", "invitee": str(asa.id)})
    [message] = messages("invitation")
    assert message.subject == "Kom till Regionala rådet för samhällsberedskap!"


# --- access and CSRF -----------------------------------------------------------------------------

PAGES = ("", "/new", "/interest", "/network", "/text")


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, event, path):
    response = client.get(base(event) + path)
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("path", PAGES)
def test_checkin_staff_and_other_events_organisers_are_refused(client, event, path):
    checkin = factories.user(roles={event: "checkin"})
    other = factories.user(roles={factories.event(): "organiser"})
    db.session.commit()
    for user in (checkin, other):
        login_as(client, user)
        assert client.get(base(event) + path).status_code == 403


def test_checkin_staff_cannot_send(client, event):
    asa = invite(event, "Åsa")
    checkin = factories.user(roles={event: "checkin"})
    db.session.commit()
    login_as(client, checkin)
    token = csrf_from(client.get("/admin/").get_data(as_text=True))  # the log-out form's
    assert client.post(f"{base(event)}/send", data={"scope": "unsent", "csrf_token": token}).status_code == 403
    assert client.post(f"{base(event)}/remind", data={"csrf_token": token}).status_code == 403
    assert client.post(f"{base(event)}/{asa.id}/remove", data={"csrf_token": token}).status_code == 403
    assert messages() == [] and fresh(asa) is not None


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/send", {"scope": "unsent"}),
        ("/remind", {}),
        ("/new", {"first_name": "Bo", "email": "bo@example.org", "language": "sv"}),
        ("/text", {"subject_sv": "x", "body_sv": "x", "subject_en": "x", "body_en": "x", "max_reminders": "1"}),
        ("/interest", {}),
        ("/network", {}),
    ],
)
def test_posts_without_a_csrf_token_are_refused(signed_in, event, path, data):
    invite(event, "Åsa")
    response = signed_in.post(base(event) + path, data=data)
    assert response.status_code == 400
    assert messages() == []
    assert len(services.invitees(event)) == 1
    assert db.session.scalar(select(InvitationText)) is None


def test_remove_without_a_csrf_token_is_refused(signed_in, event):
    asa = invite(event, "Åsa")
    assert signed_in.post(f"{base(event)}/{asa.id}/remove").status_code == 400
    assert fresh(asa) is not None


def test_a_draft_event_shows_why_nothing_can_be_sent(signed_in, event):
    from forum.events.models import EventStatus

    asa = invite(event, "Åsa")
    event.status = EventStatus.DRAFT
    db.session.commit()
    html = text(signed_in.get(base(event)))
    assert "Evenemanget är ett utkast." in html
    assert "Skicka inbjudan till markerade" not in html
    response = post_list_action(signed_in, event, "send", {"scope": "selected", "invitee": str(asa.id)})
    assert "Publicera det innan du skickar inbjudningar" in text(response)
    post_list_action(signed_in, event, "remind")
    assert messages() == []


def test_a_text_without_the_personal_link_is_refused(signed_in, event):
    data = text_form(signed_in, event, body_sv="Hej {namn}!\nVälkommen.", body_en="Hello {name}, see {länk}")
    html = signed_in.post(f"{base(event)}/text", data=data).get_data(as_text=True)
    assert "Texten behöver länken ({länk}, {link})" in error_for(html, "body_sv")
    assert error_for(html, "body_en") == ""  # either spelling of the link will do
    assert db.session.scalar(select(InvitationText)) is None
