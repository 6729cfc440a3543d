"""Messages to participants: an organiser writes to a group (confirmed, waiting list, pending, a
workshop's participants, those who asked to be kept informed), sees the recipient count and one
recipient's copy, sends; each recipient gets one e-mail greeting them by first name, and the
event's log keeps the message with its recipient count."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import delete, select

from forum.extensions import db
from forum.mail import broadcast, worker
from forum.mail.models import OutboxMessage
from forum.privacy.models import AuditLog
from forum.programme.models import ProgrammeItem, ProgrammeItemKind, ProgrammeItemStatus
from forum.registration import links, services
from forum.registration.models import Registration, RegistrationStatus
from tests import factories
from tests.auth.helpers import error_for, text
from tests.conftest import login_as, submit


@pytest.fixture
def event(app):
    return factories.event(slug="halland-beredskap", title="Temamöte om beredskap", capacity=3)


def workshop(event, title: str, start_hour: int) -> ProgrammeItem:
    item = ProgrammeItem(
        event=event,
        title=title,
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=event.starts_at + timedelta(hours=start_hour),
        ends_at=event.starts_at + timedelta(hours=start_hour + 1),
        requires_signup=True,
        capacity=10,
    )
    db.session.add(item)
    db.session.flush()
    return item


def add(event, first: str, last: str = "Öberg", **fields) -> Registration:
    email = fields.pop("email", f"{first.casefold()}@example.org")
    details = services.Details(first_name=first, last_name=last, email=email, **fields)
    registration = services.register(event, details).registration
    db.session.commit()
    return registration


@pytest.fixture
def people(event):
    """Three confirmed (Anna and Bertil in the water workshop), one waiting, one pending; Anna and
    Cecilia asked to be kept informed, and so did Doris, who then cancelled."""
    water = workshop(event, "Workshop: Vatten", 1)
    energy = workshop(event, "Workshop: Energi", 3)
    anna = add(event, "Anna", "Andersson", workshop_ids=[water.id], keep_informed=True)
    bertil = add(event, "Bertil", "Berg", workshop_ids=[water.id])
    cecilia = add(event, "Cecilia", "Carlsson", keep_informed=True)
    david = add(event, "David", "Dahl")  # the event is full: waiting list
    erik = add(event, "Erik", "Ek")
    erik.status = RegistrationStatus.PENDING
    doris = add(event, "Doris", "Dunér", keep_informed=True)
    services.cancel(doris)
    db.session.execute(delete(OutboxMessage))  # the registration notices are not what is tested here
    db.session.commit()
    assert [p.status for p in (anna, bertil, cecilia, david)] == [RegistrationStatus.CONFIRMED] * 3 + [
        RegistrationStatus.WAITING
    ]
    return {
        "anna": anna,
        "bertil": bertil,
        "cecilia": cecilia,
        "david": david,
        "erik": erik,
        "doris": doris,
        "water": water,
        "energy": energy,
    }


def base(event) -> str:
    return f"/admin/events/{event.slug}/messages"


def messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == broadcast.PURPOSE).order_by(OutboxMessage.id)
        )
    )


def log_entries() -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == "message.sent").order_by(AuditLog.id)))


def options(html: str) -> dict[str, str]:
    """The segment select's options: value → label."""
    select_html = re.search(r'<select[^>]*name="segment".*?</select>', html, re.S).group(0)
    pairs = re.findall(r'value="([^"]*)"[^>]*>([^<]*)<', select_html)
    return {value: unescape(label).strip() for value, label in pairs}


def hidden_fields(html: str) -> dict[str, str]:
    """The preview's hidden inputs, as a browser would send them back."""
    return {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html, re.S)
    }


def draft(segment: str = "confirmed", **fields) -> dict:
    values = {
        "segment": segment,
        "subject": "Praktisk information inför temamötet",
        "body": "Vi börjar med kaffe klockan 8.30.\nTa med legitimation.\n\nVälkomna! <b>Ingen HTML</b> & så",
        "language": "sv",
    }
    values.update(fields)
    return values


def preview(client, event, **fields):
    return submit(client, base(event), draft(**fields), post_url=f"{base(event)}/preview")


def send_from(client, event, preview_page):
    return client.post(f"{base(event)}/send", data=hidden_fields(preview_page.get_data(as_text=True)))


# --- composing -----------------------------------------------------------------------------------


def test_the_compose_page_offers_each_group_with_its_count(signed_in, event, people):
    page = signed_in.get(base(event))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'aria-current="page">Meddelanden<' in html
    assert options(html) == {
        "confirmed": "Alla bekräftade (3)",
        "waiting": "Väntelistan (1)",
        "pending": "Väntar på godkännande (1)",
        f"workshop-{people['water'].id}": "Deltagare i Workshop: Vatten (2)",
        f"workshop-{people['energy'].id}": "Deltagare i Workshop: Energi (0)",
        "keep_informed": "De som vill hållas informerade om nätverkets arbete (3)",
    }
    assert "Inga meddelanden har skickats än." in text(page)


def test_the_preview_shows_the_count_and_a_real_recipients_copy_and_sends_nothing(signed_in, event, people):
    page = preview(signed_in, event)

    assert page.status_code == 200
    shown = text(page)
    assert "Meddelandet går till 3 mottagare: Alla bekräftade." in shown
    # The first recipient in name order, greeted by first name, the text as written, the event at the end.
    assert "så här ser det ut för anna@example.org" in shown
    assert "Hej Anna," in shown
    assert "Vi börjar med kaffe klockan 8.30." in shown
    assert "Välkomna! <b>Ingen HTML</b> & så" in shown
    assert "<b>Ingen HTML</b>" not in page.get_data(as_text=True), "the organiser's text is escaped"
    assert "http://localhost/e/halland-beredskap/" in shown
    assert "Skicka till 3 mottagare" in shown
    assert messages() == []
    assert log_entries() == []


def test_sending_queues_one_message_per_recipient_and_logs_it(signed_in, event, people, organiser):
    page = preview(signed_in, event)

    response = send_from(signed_in, event, page)

    assert response.status_code == 303
    assert response.headers["Location"].endswith(base(event))
    after = signed_in.get(base(event))
    assert "Meddelandet ligger i utkorgen och skickas till 3 mottagare." in text(after)
    queued = messages()
    assert sorted(m.recipient for m in queued) == ["anna@example.org", "bertil@example.org", "cecilia@example.org"]
    by_recipient = {m.recipient: m for m in queued}
    assert by_recipient["bertil@example.org"].body_text.startswith("Hej Bertil,\n\nVi börjar med kaffe klockan 8.30.")
    assert by_recipient["cecilia@example.org"].body_text.startswith("Hej Cecilia,")
    assert all(m.subject == "Praktisk information inför temamötet" for m in queued)
    assert all(m.event_id == event.id and m.headers == {} for m in queued)
    assert len({m.message_id for m in queued}) == 3

    [entry] = log_entries()
    assert entry.user_id == organiser.id
    assert entry.event_id == event.id
    assert entry.details["subject"] == "Praktisk information inför temamötet"
    assert entry.details["segment"] == "Alla bekräftade"
    assert entry.details["recipients"] == 3
    assert entry.details["body"].startswith("Vi börjar med kaffe")
    # The event's log and the messages page show it, with its recipient count.
    log = text(signed_in.get(f"/admin/events/{event.slug}/log"))
    assert "Meddelande skickades" in log
    assert "recipients: 3" in log
    listed = after.get_data(as_text=True)
    row = re.search(rf'<tr id="message-{entry.id}">.*?</tr>', listed, re.S).group(0)
    assert "Alla bekräftade" in row
    assert '<td class="recipients">3</td>' in row
    assert "Praktisk information inför temamötet" in row


def test_each_recipient_receives_one_email_with_their_name_and_escaped_html(signed_in, event, people, smtp_server):
    send_from(signed_in, event, preview(signed_in, event))

    assert worker.run() == 3

    assert sorted(r for _, rcpt in smtp_server.envelopes for r in rcpt) == [
        "anna@example.org",
        "bertil@example.org",
        "cecilia@example.org",
    ]
    [received] = smtp_server.to("anna@example.org")
    assert received["Subject"] == "Praktisk information inför temamötet"
    assert received["List-Unsubscribe"] is None
    plain = received.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = received.get_body(preferencelist=("html",)).get_content()
    assert plain.startswith("Hej Anna,\n\nVi börjar med kaffe klockan 8.30.\nTa med legitimation.\n\nVälkomna!")
    assert "<b>Ingen HTML</b> & så" in plain
    assert "<p>Hej Anna,</p>" in html
    assert "<p>Vi börjar med kaffe klockan 8.30.<br>Ta med legitimation.</p>" in html
    assert "&lt;b&gt;Ingen HTML&lt;/b&gt; &amp; så" in html
    assert "<b>" not in html


def test_a_workshop_group_is_its_confirmed_participants(signed_in, event, people):
    water = people["water"]

    send_from(signed_in, event, preview(signed_in, event, segment=f"workshop-{water.id}", subject="Byte av sal"))

    assert sorted(m.recipient for m in messages()) == ["anna@example.org", "bertil@example.org"]
    assert log_entries()[0].details["segment"] == "Deltagare i Workshop: Vatten"


def test_a_cancelled_workshop_is_still_offered_so_its_participants_can_be_told(signed_in, event, people):
    people["water"].status = ProgrammeItemStatus.CANCELLED
    db.session.commit()

    page = signed_in.get(base(event))

    assert options(page.get_data(as_text=True))[f"workshop-{people['water'].id}"] == (
        "Deltagare i Workshop: Vatten (inställt) (2)"
    )


@pytest.mark.parametrize(
    ("segment", "expected"),
    [("waiting", ["david@example.org"]), ("pending", ["erik@example.org"])],
)
def test_the_waiting_list_and_pending_groups(signed_in, event, people, segment, expected):
    send_from(signed_in, event, preview(signed_in, event, segment=segment))

    assert [m.recipient for m in messages()] == expected


def test_network_news_goes_to_those_who_asked_and_carries_list_unsubscribe(signed_in, event, people, smtp_server):
    send_from(signed_in, event, preview(signed_in, event, segment="keep_informed", subject="Nytt från nätverket"))

    queued = messages()
    assert sorted(m.recipient for m in queued) == ["anna@example.org", "cecilia@example.org", "doris@example.org"]
    worker.run()
    [received] = smtp_server.to("cecilia@example.org")
    unsubscribe = received["List-Unsubscribe"].strip()  # folded onto its own line: it is long
    assert re.fullmatch(r"<http://localhost/r/[A-Za-z0-9_\-]+/unsubscribe>", unsubscribe)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = received.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "Avsluta här: " + unsubscribe.strip("<>") in plain
    # Each recipient's own link.
    links = {m["To"]: m["List-Unsubscribe"].strip() for m in smtp_server.messages}
    assert len(set(links.values())) == 3


def test_the_preview_of_network_news_hides_the_recipients_personal_token(signed_in, event, people):
    page = preview(signed_in, event, segment="keep_informed")

    shown = text(page)
    assert "Avsluta här: http://localhost/r/…/unsubscribe" in shown
    assert links.token_for(people["anna"]) not in page.get_data(as_text=True)


def test_english_greeting_and_footer(signed_in, event, people):
    send_from(signed_in, event, preview(signed_in, event, language="en", body="Coffee at 8.30."))

    [first, *_rest] = sorted(messages(), key=lambda m: m.recipient)
    assert first.body_text.startswith("Hello Anna,\n\nCoffee at 8.30.")
    assert "The event's page: http://localhost/e/halland-beredskap/" in first.body_text


# --- bad input -----------------------------------------------------------------------------------


def test_missing_and_too_long_fields_are_shown_next_to_them_with_the_text_kept(signed_in, event, people):
    page = preview(signed_in, event, subject="", body="x" * (broadcast.BODY_LENGTH + 1))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert error_for(html, "subject") == "Skriv en ämnesrad."
    assert error_for(html, "body") == "Får vara högst 10000 tecken."
    assert "x" * 100 in html, "what was typed stays"
    assert messages() == []


def test_an_unknown_group_is_refused(signed_in, event, people):
    page = preview(signed_in, event, segment="everyone-ever")

    assert error_for(page.get_data(as_text=True), "segment") == "Välj ett av alternativen."
    assert messages() == []


def test_a_group_without_recipients_cannot_be_sent_to(signed_in, event, people):
    page = preview(signed_in, event, segment=f"workshop-{people['energy'].id}")

    assert "Gruppen har inga mottagare" in text(page)
    assert "Skicka till" not in text(page)
    response = send_from(signed_in, event, page)
    assert error_for(response.get_data(as_text=True), "segment") == "Gruppen har inga mottagare."
    assert messages() == []
    assert log_entries() == []


def test_the_same_form_sent_twice_sends_once(signed_in, event, people):
    page = preview(signed_in, event)

    send_from(signed_in, event, page)
    again = send_from(signed_in, event, page)

    assert again.status_code == 303
    assert "Meddelandet är redan skickat." in text(signed_in.get(base(event)))
    assert len(messages()) == 3
    assert len(log_entries()) == 1


def test_a_change_in_the_group_after_the_preview_is_shown_before_sending(signed_in, event, people):
    page = preview(signed_in, event, segment="waiting")
    add(event, "Fredrik", "Fors")  # joins the waiting list meanwhile

    response = send_from(signed_in, event, page)

    assert response.status_code == 200
    shown = text(response)
    assert "Antalet mottagare har ändrats" in shown
    assert "Meddelandet går till 2 mottagare: Väntelistan." in shown
    assert messages() == []
    send_from(signed_in, event, response)
    assert sorted(m.recipient for m in messages()) == ["david@example.org", "fredrik@example.org"]


def test_edit_from_the_preview_keeps_what_was_written(signed_in, event, people):
    page = preview(signed_in, event, subject="Ändrad tid")

    back = signed_in.post(base(event), data=hidden_fields(page.get_data(as_text=True)))

    html = back.get_data(as_text=True)
    assert 'value="Ändrad tid"' in html
    assert "Vi börjar med kaffe klockan 8.30.\nTa med legitimation." in unescape(html)
    assert messages() == []


def test_sending_needs_the_csrf_token(signed_in, event, people):
    page = preview(signed_in, event)
    fields = hidden_fields(page.get_data(as_text=True))
    fields.pop("csrf_token")

    response = signed_in.post(f"{base(event)}/send", data=fields)

    assert response.status_code == 400
    assert messages() == []


def test_check_in_staff_cannot_send_messages(client, event, people):
    staff = factories.user(roles={event: "checkin"})
    db.session.commit()
    login_as(client, staff)

    assert client.get(base(event)).status_code == 403


def test_a_form_brought_back_and_changed_is_a_new_message(signed_in, event, people):
    page = preview(signed_in, event)
    send_from(signed_in, event, page)
    # The browser's back button brings the compose form back with its key; the organiser writes anew.
    fields = hidden_fields(page.get_data(as_text=True))
    fields["subject"] = "Ändring: vi börjar 9.00"
    changed = signed_in.post(f"{base(event)}/preview", data=fields)

    send_from(signed_in, event, changed)

    assert [entry.details["subject"] for entry in log_entries()] == [
        "Praktisk information inför temamötet",
        "Ändring: vi börjar 9.00",
    ]
    assert len(messages()) == 6
