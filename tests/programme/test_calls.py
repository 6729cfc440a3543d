"""The call for contributions: submission, receipt with the personal link, edit, withdraw, a closed
call, and review (accept → a programme item with the presenters as speakers; decline with a note)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.db import utcnow
from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.privacy.models import AuditLog
from forum.programme import calls
from forum.programme.models import (
    ProgrammeItem,
    ProgrammeItemKind,
    ProgrammeItemStatus,
    Proposal,
    ProposalStatus,
    Speaker,
)
from tests import factories
from tests.conftest import csrf_from, login_as, submit


@pytest.fixture
def event(app):
    event = factories.event(title="Hela Halland", contact_email="kontakt@example.org")
    factories.focus_area(event, "Vatten", position=1)
    factories.focus_area(event, "Livsmedel", position=2)
    calls.open_call(event, by=None, text="Vi söker **goda exempel**.")
    db.session.commit()
    return event


def proposal_data(**fields) -> dict:
    data = {
        "title": "Byalagets reservkraft",
        "summary": "Hur en by ordnade el vid långa avbrott.",
        "format": "example",
        "name_1": "Åsa Öberg",
        "email_1": "asa@example.org",
        "organisation_1": "Byalaget",
        "name_2": "Łukasz Nowak",
        "email_2": "lukasz@example.org",
        "consent": "y",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def send(client, event, **fields):
    return submit(client, f"/e/{event.slug}/call", proposal_data(**fields))


def messages(purpose: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id))
    )


def proposals(event) -> list[Proposal]:
    db.session.expire_all()
    return list(db.session.scalars(select(Proposal).where(Proposal.event_id == event.id).order_by(Proposal.id)))


def link_in(message: OutboxMessage) -> str:
    match = re.search(r"https?://[^\s]+(/c/[A-Za-z0-9_-]+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


# --- submitting ----------------------------------------------------------------------------------


def test_event_page_links_to_the_open_call_and_form_shows_the_text(client, event):
    page = client.get(f"/e/{event.slug}/").get_data(as_text=True)
    assert "Skicka in ett bidrag" in page
    form = client.get(f"/e/{event.slug}/call").get_data(as_text=True)
    assert "<strong>goda exempel</strong>" in form
    assert "Vatten" in form and "Gott exempel" in form
    assert f"/e/{event.slug}/privacy" in form


def test_submission_queues_a_receipt_with_a_working_link(client, event):
    response = send(client, event, focus_area=str(event.focus_areas[0].id))
    assert response.status_code == 303
    [proposal] = proposals(event)
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.focus_area.name == "Vatten"
    assert [person["name"] for person in proposal.presenters] == ["Åsa Öberg", "Łukasz Nowak"]
    [receipt] = messages("programme.proposal_receipt")
    assert receipt.recipient == "asa@example.org"
    assert "Byalagets reservkraft" in receipt.body_text
    link = link_in(receipt)
    assert response.headers["Location"].endswith(link)
    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Byalagets reservkraft" in html and "Inskickat" in html


def test_errors_are_kept_next_to_the_fields(client, event):
    response = send(
        client, event, title="", email_1="inte-en-adress", name_2="", email_2="", consent=None, summary="A" * 5001
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Fyll i fältet." in html
    assert "Skriv en giltig e-postadress" in html
    assert "Du behöver samtycka" in html
    assert "Får vara högst 5000 tecken." in html
    assert 'value="inte-en-adress"' in html
    assert 'value="Åsa Öberg"' in html
    assert proposals(event) == []
    assert messages("programme.proposal_receipt") == []


def test_a_co_presenter_needs_name_and_email_and_a_distinct_address(client, event):
    html = send(client, event, name_3="Utan Adress").get_data(as_text=True)
    assert "Fyll i fältet." in html
    html = send(client, event, email_2="ASA@example.org").get_data(as_text=True)
    assert "Varje medverkande behöver en egen e-postadress." in html
    assert proposals(event) == []


def test_english_receipt_for_an_english_submitter(client, event):
    client.set_cookie("forum_lang", "en", domain="localhost")
    send(client, event)
    [receipt] = messages("programme.proposal_receipt")
    assert "Thank you" in receipt.body_text or "received" in receipt.subject.lower()


def test_closed_call_shows_a_polite_page(client, event):
    calls.close_call(event, by=None)
    db.session.commit()
    page = client.get(f"/e/{event.slug}/call").get_data(as_text=True)
    assert "Det går inte att skicka in bidrag" in page
    assert 'name="title"' not in page
    assert "Skicka in ett bidrag" not in client.get(f"/e/{event.slug}/").get_data(as_text=True).split("<main")[-1]


def test_call_past_its_closing_time_is_closed(client, event):
    call = calls.call_for(event)
    call.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(f"/e/{event.slug}/call").get_data(as_text=True)
    assert "Det går inte att skicka in bidrag" in page


def test_wrong_token_is_404(client, event):
    assert client.get("/c/not-a-token").status_code == 404
    assert client.get("/c/" + "x" * 300).status_code == 404


# --- the submitter's link ------------------------------------------------------------------------


def submitted(client, event) -> str:
    send(client, event)
    return link_in(messages("programme.proposal_receipt")[-1])


def test_submitter_edits_the_proposal(client, event):
    link = submitted(client, event)
    response = submit(client, link, proposal_data(title="Byalagets reservkraft och vatten", name_2="", email_2=""))
    assert response.status_code == 303
    [proposal] = proposals(event)
    assert proposal.title == "Byalagets reservkraft och vatten"
    assert len(proposal.presenters) == 1
    html = submit(client, link, proposal_data(title="")).get_data(as_text=True)
    assert "Fyll i fältet." in html


def test_submitter_withdraws_after_confirming(client, event):
    link = submitted(client, event)
    confirm = client.get(link + "/withdraw")
    assert "Återkalla ditt bidrag?" in confirm.get_data(as_text=True)
    client.post(link + "/withdraw", data={"csrf_token": csrf_from(confirm.get_data(as_text=True))})
    [proposal] = proposals(event)
    assert proposal.status == ProposalStatus.WITHDRAWN
    html = client.get(link).get_data(as_text=True)
    assert "Återkallat" in html
    assert 'name="title"' not in html  # no longer editable


# --- review --------------------------------------------------------------------------------------


def test_organiser_lists_proposals_with_counts(signed_in, client, event):
    send(client, event)
    html = signed_in.get(f"/admin/events/{event.slug}/proposals").get_data(as_text=True)
    assert "Byalagets reservkraft" in html
    assert "Inskickat (1)" in html
    assert "Bidrag" in html


def test_accepting_makes_a_programme_item_with_the_presenters_as_speakers(signed_in, client, event):
    existing = Speaker(event=event, name="Łukasz N.", email="lukasz@example.org", email_key="lukasz@example.org")
    from forum import tokens

    tokens.assign("speaker", existing)
    db.session.add(existing)
    db.session.commit()
    send(signed_in, event, format="workshop", focus_area=str(event.focus_areas[1].id))
    [proposal] = proposals(event)
    url = f"/admin/events/{event.slug}/proposals/{proposal.id}"
    page = signed_in.get(url).get_data(as_text=True)
    assert "evenemangets start" in page
    response = signed_in.post(url + "/accept", data={"csrf_token": csrf_from(page), "note": "Välkommen!"})
    assert response.status_code == 303
    [proposal] = proposals(event)
    assert proposal.status == ProposalStatus.ACCEPTED
    item = db.session.get(ProgrammeItem, proposal.programme_item_id)
    assert item.title == "Byalagets reservkraft"
    assert item.description == "Hur en by ordnade el vid långa avbrott."
    assert item.kind == ProgrammeItemKind.WORKSHOP
    assert item.status == ProgrammeItemStatus.SCHEDULED
    assert item.starts_at == event.starts_at
    assert [area.name for area in item.focus_areas] == ["Livsmedel"]
    assert [speaker.email for speaker in item.speakers] == ["asa@example.org", "lukasz@example.org"]
    assert item.speakers[1].id == existing.id  # found by e-mail, not duplicated
    assert item.speakers[0].name == "Åsa Öberg" and item.speakers[0].token_hash
    [decision] = messages("programme.proposal_decision")
    assert decision.recipient == "asa@example.org"
    assert "antaget" in decision.body_text and "Välkommen!" in decision.body_text
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "proposal.accepted")) is not None
    # The submitter's page says so; a second decision is refused.
    assert "Antaget" in client.get(link_in(messages("programme.proposal_receipt")[0])).get_data(as_text=True)
    signed_in.post(url + "/decline", data={"csrf_token": csrf_from(page), "decline-note": "x"})
    assert proposals(event)[0].status == ProposalStatus.ACCEPTED


def test_accepting_at_a_chosen_time_and_room(signed_in, client, event):
    room = factories.room(event, "Sal B")
    db.session.commit()
    send(client, event, format="panel")
    [proposal] = proposals(event)
    url = f"/admin/events/{event.slug}/proposals/{proposal.id}"
    page = signed_in.get(url).get_data(as_text=True)
    local = event.starts_at.astimezone(__import__("zoneinfo").ZoneInfo(event.timezone)) + timedelta(hours=1)
    signed_in.post(
        url + "/accept",
        data={"csrf_token": csrf_from(page), "starts_at": local.strftime("%Y-%m-%dT%H:%M"), "room": str(room.id)},
    )
    item = db.session.get(ProgrammeItem, proposals(event)[0].programme_item_id)
    assert item.starts_at == event.starts_at + timedelta(hours=1)
    assert item.room_id == room.id
    assert item.kind == ProgrammeItemKind.PANEL


def test_accept_time_outside_the_event_is_refused(signed_in, client, event):
    send(client, event)
    [proposal] = proposals(event)
    url = f"/admin/events/{event.slug}/proposals/{proposal.id}"
    page = signed_in.get(url).get_data(as_text=True)
    html = signed_in.post(url + "/accept", data={"csrf_token": csrf_from(page), "starts_at": "2001-01-01T09:00"})
    assert "Tiden måste ligga inom evenemanget." in html.get_data(as_text=True)
    assert proposals(event)[0].status == ProposalStatus.SUBMITTED


def test_declining_sends_the_note(signed_in, client, event):
    send(client, event)
    [proposal] = proposals(event)
    url = f"/admin/events/{event.slug}/proposals/{proposal.id}"
    page = signed_in.get(url).get_data(as_text=True)
    signed_in.post(url + "/decline", data={"csrf_token": csrf_from(page), "decline-note": "Programmet är fullt."})
    [proposal] = proposals(event)
    assert proposal.status == ProposalStatus.DECLINED
    assert proposal.programme_item_id is None
    [decision] = messages("programme.proposal_decision")
    assert "Programmet är fullt." in decision.body_text
    html = client.get(link_in(decision)).get_data(as_text=True)
    assert "Avböjt" in html and "Programmet är fullt." in html


def test_organiser_opens_and_closes_the_call(signed_in, client, event):
    url = f"/admin/events/{event.slug}/call"
    response = submit(signed_in, url, {"status": "closed", "text": "Stängt nu", "closes_at": ""})
    assert response.status_code == 303
    assert not calls.is_open(event)
    response = submit(signed_in, url, {"status": "open", "text": "Ny text", "closes_at": "2099-01-01T12:00"})
    assert response.status_code == 303
    db.session.expire_all()
    call = calls.call_for(event)
    assert call.text == "Ny text" and call.closes_at.year == 2099
    assert calls.is_open(event)
    html = submit(signed_in, url, {"status": "open", "text": "", "closes_at": "inte en tid"}).get_data(as_text=True)
    assert "Ange datum och tid" in html


def test_access(client, event):
    send(client, event)
    [proposal] = proposals(event)
    for url in (
        f"/admin/events/{event.slug}/call",
        f"/admin/events/{event.slug}/proposals",
        f"/admin/events/{event.slug}/proposals/{proposal.id}",
    ):
        assert client.get(url).status_code == 302  # to the login page
    other = factories.event()
    stranger = factories.user(roles={other: "organiser"})
    db.session.commit()
    login_as(client, stranger)
    assert client.get(f"/admin/events/{event.slug}/proposals").status_code == 403
    assert client.get(f"/admin/events/{other.slug}/proposals/{proposal.id}").status_code == 404
