"""Tickets and name badges as PDF: rendered to images and decoded by a real QR decoder."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlalchemy import select

from forum.badges import pdf
from forum.badges.models import BadgeCode
from forum.badges.services import code_for, ensure_code
from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.mail.services import render_attachment
from forum.programme import speakers as speaker_services
from forum.registration import links, services
from forum.registration.models import Registration
from tests import factories
from tests.conftest import csrf_from, login_as
from tests.smtp import smtp_server  # noqa: F401 - the real SMTP server fixture

NAMES = [("Łukasz", "Nguyễn"), ("Zoë", "Åsa Öberg")]


def person(n: int, **fields) -> services.Details:
    values = {"first_name": f"Person{n}", "last_name": "Öberg", "email": f"p{n}@example.org", "organisation": "MSB"}
    values.update(fields)
    return services.Details(**values)


def registered(event, n: int = 1, **fields) -> Registration:
    registration = services.register(event, person(n, **fields)).registration
    db.session.commit()
    return registration


def pages(data: bytes, scale: float = 3) -> list:
    document = pdfium.PdfDocument(data)
    try:
        return [document[index].render(scale=scale).to_pil() for index in range(len(document))]
    finally:
        document.close()


def decoded(data: bytes) -> list[str]:
    return [result.text for image in pages(data) for result in zxingcpp.read_barcodes(image)]


def text_of(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(document[index].get_textpage().get_text_range() for index in range(len(document)))
    finally:
        document.close()


@pytest.fixture
def event(app):
    return factories.event(capacity=20, title="Beredskapsforum Halland")


def test_ticket_qr_decodes_to_the_badge_code_and_names_render(event):
    registration = registered(event, 1, first_name="Łukasz", last_name="Nguyễn", organisation="Zoë & Åsa Öberg AB")
    data = pdf.ticket_pdf(registration)
    db.session.commit()
    code = code_for(registration)
    assert code and re.fullmatch(r"[0-9A-Z]{26}", code)
    assert decoded(data) == [code]
    text = text_of(data)
    assert "Łukasz Nguyễn" in text
    assert "Zoë & Åsa Öberg AB" in text
    assert "Beredskapsforum Halland" in text
    assert code in text
    assert len(pdfium.PdfDocument(data)) == 1


def test_qr_is_alphanumeric_and_drawn_as_vectors(event):
    registration = registered(event)
    data = pdf.badges_pdf([registration], "a6")
    document = pdfium.PdfDocument(data)
    page = document[0]
    kinds = {obj.type for obj in page.get_objects()}
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in kinds
    assert pdfium.raw.FPDF_PAGEOBJ_PATH in kinds
    pdf.qr_matrix(code_for(registration))  # raises unless alphanumeric mode


@pytest.mark.parametrize("layout", ["a6", "a4-8", "labels-2x4"])
def test_each_layout_decodes_every_badge(event, layout):
    people = [registered(event, n, first_name=NAMES[n % 2][0], last_name=NAMES[n % 2][1]) for n in range(8)]
    data = pdf.badges_pdf(people, layout)
    db.session.commit()
    codes = {code_for(registration) for registration in people}
    assert len(codes) == 8
    found = decoded(data)
    assert sorted(found) == sorted(codes)
    expected_pages = 8 if layout == "a6" else 1
    assert len(pdfium.PdfDocument(data)) == expected_pages
    text = text_of(data)
    assert "Łukasz Nguyễn" in text and "Zoë Åsa Öberg" in text
    assert "Deltagare" in text.replace("DELTAGARE", "Deltagare")


def test_roles_in_words(event):
    organiser = factories.user("org@example.org", roles={event: "organiser"})
    speaker_services.add_speaker(
        event, speaker_services.SpeakerData(name="Talande Person", email="talare@example.org"), by=organiser
    )
    db.session.commit()
    speaker = registered(event, 1, email="Talare@example.org")
    staff = registered(event, 2, email="org@example.org")
    guest = registered(event, 3)
    text = text_of(pdf.badges_pdf([speaker, staff, guest], "a4-8"))
    assert "TALARE" in text and "ARRANGÖR" in text and "DELTAGARE" in text


def test_a_very_long_name_shrinks_to_fit_inside_the_badge(event):
    long_name = ("Maximiliana Bartholomea", "Andersson-Sjöholm de la Fuente Nguyễn")
    registration = registered(
        event,
        1,
        first_name=long_name[0],
        last_name=long_name[1],
        organisation="Myndigheten för samhällsskydd och beredskap, enheten för " * 2,
    )
    data = pdf.badges_pdf([registration], "a4-8")
    db.session.commit()
    slot = pdf.SHEETS["a4-8"].slots[0]
    page = pdfium.PdfDocument(data)[0]
    textpage = page.get_textpage()
    for index in range(textpage.count_chars()):
        left, bottom, right, top = textpage.get_charbox(index)
        if right - left <= 0:
            continue
        assert slot.x - 0.5 <= left and right <= slot.x + slot.width + 0.5, index
        assert slot.y - 0.5 <= bottom and top <= slot.y + slot.height + 0.5, index
    text = re.sub(r"\s+", "", textpage.get_text_range())
    assert re.sub(r"\s+", "", " ".join(long_name)) in text
    assert decoded(data) == [code_for(registration)]


def test_fit_text_shrinks_then_wraps():
    font = "Helvetica"
    size, lines = pdf.fit_text("Anna Berg", font, 200, 22, 9)
    assert (size, lines) == (22, ["Anna Berg"])
    size, lines = pdf.fit_text("Anna Bergström-Lindqvist", font, 200, 22, 9)
    assert size < 22 and len(lines) == 1
    size, lines = pdf.fit_text("Anna " * 20, font, 100, 22, 9)
    assert len(lines) == 2 and lines[-1].endswith("…")


# --- routes --------------------------------------------------------------------------------------


def test_ticket_route(client, event):
    small = factories.event(capacity=1, slug="litet", title="Litet")
    seated = registered(small, 1)
    waiting = registered(small, 2)
    response = client.get(f"/r/{links.token_for(seated)}/ticket.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    code = db.session.scalar(select(BadgeCode.code).where(BadgeCode.registration_id == seated.id))
    assert decoded(response.data) == [code]
    assert client.get(f"/r/{links.token_for(waiting)}/ticket.pdf").status_code == 404
    assert client.get("/r/not-a-token/ticket.pdf").status_code == 404


def test_confirmation_email_carries_the_ticket(event):
    registration = registered(event, 1, first_name="Zoë", last_name="Öberg")
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == registration.email).order_by(OutboxMessage.id)
    ).first()
    attachments = {attachment["filename"]: attachment for attachment in message.attachments}
    ticket = attachments["ticket.pdf"]
    # Drawn by the worker when it sends (the request only records what to draw).
    assert ticket["content_type"] == "application/pdf" and ticket["render"] == "ticket"
    data = render_attachment(ticket)
    assert data.startswith(b"%PDF")
    assert decoded(data) == [code_for(registration)]
    assert "Zoë Öberg" in text_of(data)


def test_worker_attaches_the_pdf_as_binary(app, event, smtp_server):  # noqa: F811
    from forum.mail import worker

    registration = registered(event, 1)
    worker.deliver_due()
    mails = smtp_server.to(registration.email)
    assert mails
    parts = {part.get_filename(): part for part in mails[0].walk() if part.get_filename()}
    data = parts["ticket.pdf"].get_payload(decode=True)
    assert decoded(data) == [code_for(registration)]


def test_admin_routes_need_their_permission(client, event):
    registration = registered(event, 1)
    url, single = f"/admin/events/{event.slug}/badges", f"/admin/events/{event.slug}/badges/{registration.id}.pdf"
    assert client.get(url).status_code in (302, 303)
    login_as(client, factories.user("checkin@example.org", roles={event: "checkin"}))
    assert client.get(url).status_code == 403
    response = client.get(single)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert decoded(response.data) == [code_for(registration)]
    other = factories.event(slug="annat", title="Annat")
    assert client.get(f"/admin/events/{other.slug}/badges/{registration.id}.pdf").status_code == 403


def test_organiser_prints_all_unprinted_or_a_selection(client, event):
    people = [registered(event, n) for n in range(3)]
    waiting_event = factories.event(capacity=0, slug="fullt", title="Fullt")
    db.session.commit()
    login_as(client, factories.user("org@example.org", roles={event: "organiser", waiting_event: "organiser"}))
    url = f"/admin/events/{event.slug}/badges"
    html = client.get(url).get_data(as_text=True)
    assert "Namnbrickor" in html and "Person1 Öberg" in html
    token = csrf_from(html)

    response = client.post(
        url, data={"csrf_token": token, "layout": "a4-8", "which": "selected", "selected": [str(people[1].id)]}
    )
    assert response.mimetype == "application/pdf"
    assert decoded(response.data) == [code_for(people[1])]

    response = client.post(url, data={"csrf_token": token, "layout": "labels-2x4", "which": "unprinted"})
    assert sorted(decoded(response.data)) == sorted([code_for(people[0]), code_for(people[2])])
    response = client.post(url, data={"csrf_token": token, "layout": "a6", "which": "unprinted"})
    assert response.mimetype == "text/html"
    assert "inga namnbrickor att skriva ut" in response.get_data(as_text=True)

    response = client.post(url, data={"csrf_token": token, "layout": "a6", "which": "all"})
    assert len(decoded(response.data)) == 3
    assert all(ensure_code(p).printed_at is not None for p in people)
