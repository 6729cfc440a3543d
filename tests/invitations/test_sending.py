"""Invitations and reminders through the outbox: the text and its placeholders, each invitee's own
language and link, 5,000 queued at once, reminders only to those who have not answered and never
more than the organiser allows, and delivery to a real SMTP server."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum.events.models import EventStatus
from forum.extensions import db
from forum.invitations import sending, services, texts
from forum.invitations.models import InvitationState, InvitationText, Invitee, InviteeSource
from forum.mail import worker
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.privacy.models import AuditLog
from forum.registration import services as registration_services
from tests import factories
from tests.smtp import smtp_server  # noqa: F401 - the real SMTP server fixture

# Next year's 25 February, 9.00 in Stockholm (winter time): always ahead, never over.
YEAR = datetime.now(UTC).year + 1
STARTS = datetime(YEAR, 2, 25, 8, 0, tzinfo=UTC)
LINK = re.compile(r"http://localhost/i/[A-Za-z0-9_-]{43}")


@pytest.fixture
def event(app):
    host = factories.organisation(name="Hela Sverige ska leva Halland")
    return factories.event(
        slug="temamote-halland",
        title="Temamöte om långsiktig beredskap",
        organisation=host,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=6, minutes=30),
        venue_name="Hallandsgården",
        venue_address="Storgatan 1",
        venue_city="Halmstad",
        registration_opens_at=None,
        registration_closes_at=None,
    )


def invite(event, *people: tuple[str, str, str]) -> list[Invitee]:
    """(first name, e-mail, language) each."""
    added = services.add_invitees(
        event,
        [
            services.InviteeData(email=email, first_name=first, last_name="Öberg", language=language)
            for first, email, language in people
        ],
        InviteeSource.MANUAL,
    )
    db.session.commit()
    return added


def messages(purpose: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if purpose:
        query = query.where(OutboxMessage.purpose == purpose)
    return list(db.session.scalars(query))


def fresh(invitee: Invitee) -> Invitee:
    db.session.expire_all()
    return db.session.get(Invitee, invitee.id)


def set_text(event, **fields) -> None:
    values = texts.defaults(event)
    for key, value in fields.items():
        setattr(values, key, value)
    texts.save(event, values, by=None)
    db.session.commit()


def mark_delivered(*invitees: Invitee) -> None:
    db.session.expire_all()
    for invitee in invitees:
        db.session.get(Invitee, invitee.id).message.status = OutboxStatus.SENT
    db.session.commit()


# --- the text ------------------------------------------------------------------------------------


def test_both_sets_of_placeholders_are_accepted_in_either_language():
    assert texts.problems("Hej {namn}, välkommen till {evenemang} {datum} på {plats}: {länk}") == []
    assert texts.problems("Hello {name}, welcome to {event} {date} at {place}: {link}") == []
    assert texts.problems("Hej {name}! {länk} {date}") == []


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Hej {namn} och {Namn}!", "{Namn}"),
        ("Hej {förnamn}", "{förnamn}"),
        ("Hej {namn.__class__}", "{namn.__class__}"),
        ("Hej {0}", "{0}"),
        ("Hej {namn!r}", "{namn!r}"),
        ("Hej {}", "{}"),
    ],
)
def test_unknown_placeholders_are_refused_by_name(app, text, named):
    [problem] = texts.problems(text)
    assert named in problem
    assert "Okända platshållare" in problem
    assert "{namn}" in problem  # says what to use instead


@pytest.mark.parametrize("text", ["Hej {namn", "Hej namn}", "Hej {{namn}}", "Hej {namn\n}", "Hej } {"])
def test_unbalanced_braces_are_refused(app, text):
    problems = texts.problems(text)
    assert any("Klamrarna går inte jämnt ut" in problem for problem in problems)


def test_rendering_is_plain_substitution_not_format(app, event):
    values = texts.event_values(event, "sv")
    values.update({texts.NAME: "{länk} {0.__class__}", texts.LINK: "http://localhost/i/abc"})
    rendered = texts.render("Hej {namn}! Länk: {länk} {link}", values)
    assert rendered == "Hej {länk} {0.__class__}! Länk: http://localhost/i/abc http://localhost/i/abc"


def test_date_and_place_in_each_language(app, event):
    assert texts.event_values(event, "sv")[texts.DATE] == f"25 februari {YEAR}, kl. 9.00–15.30"
    assert texts.event_values(event, "en")[texts.DATE] == f"25 February {YEAR}, 09:00–15:30"
    assert texts.event_values(event, "sv")[texts.PLACE] == "Hallandsgården, Storgatan 1, Halmstad"
    event.date_is_preliminary, event.preliminary_date_text = True, "Preliminärt i oktober 2026"
    assert texts.event_values(event, "sv")[texts.DATE] == "Preliminärt i oktober 2026"


def test_the_html_part_is_the_text_escaped_with_paragraphs_and_clickable_links(app):
    html = str(texts.html_paragraphs("Hej <b>Bo</b> & co!\nRad två.\n\nLänk: https://example.org/i/a_b-c.\n"))
    assert "Hej &lt;b&gt;Bo&lt;/b&gt; &amp; co!<br>\nRad två." in html
    assert html.count("<p ") == 2
    assert '<a href="https://example.org/i/a_b-c">https://example.org/i/a_b-c</a>.' in html
    attack = str(texts.html_paragraphs('https://example.org/"onmouseover="alert(1)'))
    assert 'href="https://example.org/"' in attack and "onmouseover=" not in attack.split("</a>")[0]


def test_the_defaults_are_valid_and_signed_by_the_host(app, event):
    default = texts.defaults(event)
    for language in texts.LANGUAGES:
        assert texts.problems(default.subject(language)) == []
        assert texts.problems(default.body(language)) == []
    assert default.body_sv.rstrip().endswith("Hela Sverige ska leva Halland")
    assert "{länk}" in default.body_sv and "{link}" in default.body_en
    assert not texts.text_for(event).saved


# --- sending -------------------------------------------------------------------------------------


def test_each_invitee_gets_their_own_language_and_link(app, event):
    asa, john = invite(event, ("Åsa", "asa@example.org", "sv"), ("John", "john@example.org", "en"))
    assert sending.send_invitations(event, [asa, john], by=None) == 2
    db.session.commit()
    to_asa, to_john = messages("invitation")
    assert to_asa.recipient == "asa@example.org"
    assert to_asa.subject == "Inbjudan: Temamöte om långsiktig beredskap"
    assert "Hej Åsa Öberg!" in to_asa.body_text
    assert f"När: 25 februari {YEAR}, kl. 9.00–15.30" in to_asa.body_text
    assert services.invitation_url(fresh(asa)) in to_asa.body_text
    assert to_john.subject == "Invitation: Temamöte om långsiktig beredskap"
    assert "Hello John Öberg," in to_john.body_text
    assert f"When: 25 February {YEAR}, 09:00–15:30" in to_john.body_text
    assert services.invitation_url(fresh(john)) in to_john.body_text
    assert services.invitation_url(fresh(asa)) != services.invitation_url(fresh(john))
    link = services.invitation_url(fresh(john))
    assert f'<a href="{link}">{link}</a>' in to_john.body_html
    assert to_john.event_id == event.id
    assert fresh(asa).state == InvitationState.QUEUED
    assert fresh(asa).invited_at is not None
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "invitations.sent")).all()
    assert entry.details["count"] == 2


def test_the_organisers_text_is_used(app, event):
    [bo] = invite(event, ("Bo", "bo@example.org", "sv"))
    set_text(event, subject_sv="Välkommen {name}", body_sv="Hej {namn}!\n\n{evenemang}, {date}, {plats}.\n{link}\n")
    sending.send_invitations(event, [bo])
    db.session.commit()
    [message] = messages()
    assert message.subject == "Välkommen Bo Öberg"
    assert message.body_text == (
        f"Hej Bo Öberg!\n\nTemamöte om långsiktig beredskap, 25 februari {YEAR}, kl. 9.00–15.30, "
        f"Hallandsgården, Storgatan 1, Halmstad.\n{services.invitation_url(fresh(bo))}\n"
    )


def test_an_invitee_without_a_name_is_greeted_all_the_same(app, event):
    services.add_invitees(event, [services.InviteeData(email="kansliet@example.org")], InviteeSource.MANUAL)
    services.add_invitees(
        event, [services.InviteeData(email="office@example.org", language="en")], InviteeSource.MANUAL
    )
    db.session.commit()
    sending.send_invitations(event, services.invitees(event))
    db.session.commit()
    bodies = {message.recipient: message.body_text for message in messages()}
    assert bodies["kansliet@example.org"].startswith("Hej du!")
    assert bodies["office@example.org"].startswith("Hello there,")


def test_names_are_escaped_in_the_html_part(app, event):
    services.add_invitees(
        event,
        [services.InviteeData(email="x@example.org", first_name="<script>alert(1)</script>")],
        InviteeSource.MANUAL,
    )
    db.session.commit()
    sending.send_invitations(event, services.invitees(event))
    db.session.commit()
    [message] = messages()
    assert "<script>" not in message.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.body_html
    assert "<script>alert(1)</script>" in message.body_text  # plain text stays as written


def test_those_who_answered_get_no_invitation(app, event):
    asa, bo, cia = invite(
        event, ("Åsa", "asa@example.org", "sv"), ("Bo", "bo@example.org", "sv"), ("Cia", "cia@example.org", "sv")
    )
    services.decline(bo, "Krockar")
    registration_services.register(
        event,
        registration_services.Details(first_name="Cia", last_name="Öberg", email="cia@example.org"),
        invitee=cia,
    )
    db.session.commit()
    before = len(messages())
    assert sending.send_invitations(event, [asa, bo, cia]) == 1
    db.session.commit()
    assert [message.recipient for message in messages()[before:]] == ["asa@example.org"]


def test_another_events_invitees_are_not_sent_to(app, event):
    other = factories.event()
    [stranger] = invite(other, ("Eva", "eva@example.org", "sv"))
    assert sending.send_invitations(event, [stranger]) == 0
    assert messages() == []


def test_5000_invitations_are_queued_in_under_5_seconds(app, event):
    people = [
        services.InviteeData(
            email=f"person{number}@example.org",
            first_name=f"Förnamn{number}",
            last_name="Åkesson",
            organisation="Halmstads kommun",
            language="en" if number % 4 == 0 else "sv",
        )
        for number in range(5000)
    ]
    added = services.add_invitees(event, people, InviteeSource.IMPORTED)
    db.session.commit()

    started = time.perf_counter()
    count = sending.send_invitations(event, added, by=None)
    db.session.commit()
    elapsed = time.perf_counter() - started

    print(f"\n5,000 invitations queued in {elapsed:.2f} s")
    assert count == 5000
    assert elapsed < 5.0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 5000
    assert db.session.scalar(select(func.count(func.distinct(OutboxMessage.recipient)))) == 5000
    assert db.session.scalar(select(func.count(func.distinct(OutboxMessage.message_id)))) == 5000
    assert db.session.scalar(select(func.count(Invitee.id)).where(Invitee.message_id.is_(None))) == 0
    # Each message carries its own invitee's name, language and link.
    for invitee in db.session.scalars(
        select(Invitee).where(Invitee.email.in_(["person0@example.org", "person7@example.org"]))
    ):
        message = invitee.message
        assert message.recipient == invitee.email
        assert services.invitation_url(invitee) in message.body_text
        assert invitee.first_name in message.body_text
        assert message.subject.startswith("Invitation:" if invitee.language == "en" else "Inbjudan:")
        assert invitee.state == InvitationState.QUEUED


# --- reminders -----------------------------------------------------------------------------------


@pytest.fixture
def invited(event):
    """Åsa (delivered), Bo (opened the link), Cia (declined), Dan (registered), Eva (invitation still
    queued), Fia (never invited)."""
    people = invite(
        event,
        ("Åsa", "asa@example.org", "sv"),
        ("Bo", "bo@example.org", "en"),
        ("Cia", "cia@example.org", "sv"),
        ("Dan", "dan@example.org", "sv"),
        ("Eva", "eva@example.org", "sv"),
        ("Fia", "fia@example.org", "sv"),
    )
    asa, bo, cia, dan, eva, fia = people
    sending.send_invitations(event, [asa, bo, cia, dan, eva])
    db.session.commit()
    mark_delivered(asa, bo, cia, dan)
    services.mark_opened(fresh(bo))
    services.decline(fresh(cia))
    registration_services.register(
        event,
        registration_services.Details(first_name="Dan", last_name="Öberg", email="dan@example.org"),
        invitee=fresh(dan),
    )
    db.session.commit()
    return people


def test_reminders_go_only_to_those_who_have_not_answered(app, event, invited):
    asa, bo, *_rest = invited
    assert sending.reminder_count(event) == 2
    assert sending.send_reminders(event, by=None) == 2
    db.session.commit()
    reminders = messages(sending.PURPOSE_REMINDER)
    assert sorted(message.recipient for message in reminders) == ["asa@example.org", "bo@example.org"]
    by_recipient = {message.recipient: message for message in reminders}
    assert by_recipient["asa@example.org"].subject == "Påminnelse: Inbjudan: Temamöte om långsiktig beredskap"
    assert by_recipient["bo@example.org"].subject == "Reminder: Invitation: Temamöte om långsiktig beredskap"
    assert by_recipient["asa@example.org"].body_text.startswith("Vi har inte fått något svar från dig ännu")
    assert services.invitation_url(fresh(asa)) in by_recipient["asa@example.org"].body_text
    assert fresh(asa).reminders_sent == 1 and fresh(asa).last_reminded_at is not None
    assert fresh(asa).state == InvitationState.QUEUED  # the reminder is their latest message
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "invitations.reminded")).all()
    assert entry.details["count"] == 2


def test_never_more_reminders_than_the_organiser_allows(app, event, invited):
    asa, bo, *_rest = invited
    set_text(event, max_reminders=2)
    sent = []
    for _round in range(4):
        sent.append(sending.send_reminders(event))
        db.session.commit()
        mark_delivered(asa, bo)
    assert sent == [2, 2, 0, 0]
    assert fresh(asa).reminders_sent == 2
    assert len(messages(sending.PURPOSE_REMINDER)) == 4


def test_no_reminders_when_the_organiser_allows_none(app, event, invited):
    set_text(event, max_reminders=0)
    assert sending.reminder_count(event) == 0
    assert sending.send_reminders(event) == 0


def test_reminders_from_the_command_line(app, event, invited):
    asa, bo, *_rest = invited
    set_text(event, max_reminders=1)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["invitations", "remind", event.slug])
    assert result.exit_code == 0, result.output
    assert "Reminded 2 invitee(s)." in result.output
    mark_delivered(asa, bo)
    again = runner.invoke(args=["invitations", "remind", event.slug])
    assert "Reminded 0 invitee(s)." in again.output
    unknown = runner.invoke(args=["invitations", "remind", "no-such-event"])
    assert unknown.exit_code != 0
    assert "no-such-event" in unknown.output
    assert len(messages(sending.PURPOSE_REMINDER)) == 2


# --- with a real SMTP server ----------------------------------------------------------------------


def deliver() -> int:
    sent = worker.deliver_due()
    db.session.expire_all()
    return sent


def text_of(received) -> str:
    return received.get_body(preferencelist=("plain",)).get_content()


def html_of(received) -> str:
    return received.get_body(preferencelist=("html",)).get_content()


def test_invitations_arrive_in_each_language_with_a_working_personal_link(app, client, event, smtp_server):  # noqa: F811
    asa, john = invite(event, ("Åsa", "asa@example.org", "sv"), ("John", "john@example.org", "en"))
    sending.send_invitations(event, [asa, john])
    db.session.commit()
    assert deliver() == 2

    [to_asa] = smtp_server.to("asa@example.org")
    [to_john] = smtp_server.to("john@example.org")
    assert to_asa["Subject"] == "Inbjudan: Temamöte om långsiktig beredskap"
    assert to_john["Subject"] == "Invitation: Temamöte om långsiktig beredskap"
    assert "Hej Åsa Öberg!" in text_of(to_asa)
    assert "Hello John Öberg," in text_of(to_john)
    [link] = LINK.findall(text_of(to_asa))
    assert link == services.invitation_url(fresh(asa))
    assert f'href="{link}"' in html_of(to_asa)
    assert "Du får det här meddelandet eftersom arrangören har bjudit in dig." in html_of(to_asa)
    assert "You are receiving this message because the organiser invited you." in html_of(to_john)
    assert LINK.findall(text_of(to_john)) != [link]
    assert fresh(asa).state == InvitationState.SENT

    page = client.get(link.removeprefix("http://localhost"))
    assert page.status_code == 200
    assert "Temamöte om långsiktig beredskap" in page.get_data(as_text=True)
    assert fresh(asa).state == InvitationState.OPENED


def test_a_refused_address_shows_the_smtp_error_and_reminders_arrive(app, event, smtp_server):  # noqa: F811
    asa, bo = invite(event, ("Åsa", "asa@example.org", "sv"), ("Bo", "bo@example.org", "sv"))
    smtp_server.refused.add("bo@example.org")
    sending.send_invitations(event, [asa, bo])
    db.session.commit()
    assert deliver() == 1
    message = fresh(bo).message
    assert "550" in message.last_error and "No such mailbox" in message.last_error
    message.status = OutboxStatus.FAILED  # as after the last attempt
    db.session.commit()
    assert fresh(bo).state == InvitationState.FAILED

    assert sending.send_reminders(event) == 2
    db.session.commit()
    smtp_server.refused.clear()
    assert deliver() == 2
    reminders = [received for received in smtp_server.messages if received["Subject"].startswith("Påminnelse:")]
    assert sorted(received["To"] for received in reminders) == ["asa@example.org", "bo@example.org"]
    assert LINK.findall(text_of(smtp_server.to("asa@example.org")[-1])) == [services.invitation_url(fresh(asa))]


def test_saved_text_row(app, event):
    set_text(event, subject_sv="  Inbjudan   till {evenemang} ", body_sv="Hej {namn}\r\n\r\n{länk}", max_reminders=9)
    row = db.session.scalar(select(InvitationText))
    assert row.subject_sv == "Inbjudan till {evenemang}"
    assert row.body_sv == "Hej {namn}\n\n{länk}\n"
    assert row.max_reminders == texts.MAX_REMINDERS


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": EventStatus.DRAFT}, "utkast"),
        ({"status": EventStatus.CANCELLED}, "inställt"),
        ({"starts_at": STARTS.replace(year=2020), "ends_at": STARTS.replace(year=2020) + timedelta(hours=2)}, "över"),
    ],
)
def test_nothing_is_sent_for_a_draft_a_cancelled_or_a_past_event(app, event, change, reason):
    [asa] = invite(event, ("Åsa", "asa@example.org", "sv"))
    sending.send_invitations(event, [asa])
    db.session.commit()
    mark_delivered(asa)
    for key, value in change.items():
        setattr(event, key, value)
    db.session.commit()
    assert reason in sending.blocked(event)
    with pytest.raises(sending.NotSendable):
        sending.send_invitations(event, [asa])
    with pytest.raises(sending.NotSendable):
        sending.send_reminders(event)
    result = app.test_cli_runner().invoke(args=["invitations", "remind", event.slug])
    assert result.exit_code != 0 and reason in result.output
    assert len(messages()) == 1
