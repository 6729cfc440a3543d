"""The organisers' participant list (the registrations page): filters, sorting, pages, and bulk
actions on chosen rows (message, badges, approve, cancel after a confirmation)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from forum.checkin import services as checkin
from forum.extensions import db
from forum.mail.models import OutboxMessage
from forum.privacy.models import AuditLog
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration import services
from forum.registration.models import (
    OrganisationType,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
)
from forum.reports.participants import Filters, select_registrations
from tests import factories
from tests.auth.helpers import text
from tests.conftest import csrf_from, login_as


@pytest.fixture
def event(app):
    return factories.event(slug="lista", title="Nätverksträff")


def base(event) -> str:
    return f"/admin/events/{event.slug}/registrations"


def rows(html: str) -> list[str]:
    """The names in the list's table, in order (shown "Last, First")."""
    return [re.sub(r"<[^>]+>", "", row).strip() for row in re.findall(r'<th scope="row">(.*?)</th>', html, re.S)]


def listed(client, event, **args) -> list[str]:
    return rows(unescape(client.get(base(event), query_string=args).get_data(as_text=True)))


def add(event, first, last, **fields) -> Registration:
    email = fields.pop("email", f"{first}.{last}@example.org".casefold())
    details = services.Details(first_name=first, last_name=last, email=email, **fields)
    registration = services.register(event, details).registration
    db.session.commit()
    return registration


@pytest.fixture
def world(event):
    water = factories.focus_area(event, "Vatten", 1)
    heat = factories.focus_area(event, "Värme och energi", 2)
    item = ProgrammeItem(
        event=event,
        title="Workshop: Nödvatten",
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        requires_signup=True,
        capacity=10,
    )
    db.session.add(item)
    question = Question(
        event=event,
        label="Kommer du med buss?",
        kind=QuestionKind.SINGLE_CHOICE,
        options=["Ja, buss", "Nej"],
        position=1,
    )
    db.session.add(question)
    db.session.flush()
    people = {
        "anna": add(
            event,
            "Anna",
            "Berg",
            organisation="Halmstads kommun",
            organisation_type=OrganisationType.MUNICIPALITY,
            municipality_code="1380",
            focus_area_ids=[water.id],
            workshop_ids=[item.id],
            answers={question.id: "Ja, buss"},
        ),
        "bo": add(
            event,
            "Bo",
            "Åkesson",
            organisation="LRF Halland",
            organisation_type=OrganisationType.NON_PROFIT,
            municipality_code="1383",
            focus_area_ids=[heat.id],
            answers={question.id: "Nej"},
        ),
        "cecilia": add(
            event,
            "Cecilia",
            "Ek",
            organisation="Varbergs kommun",
            organisation_type=OrganisationType.MUNICIPALITY,
            municipality_code="1383",
            focus_area_ids=[water.id, heat.id],
            workshop_ids=[item.id],
        ),
        "david": add(event, "David", "Öst", organisation="Företaget AB", organisation_type=OrganisationType.COMPANY),
    }
    checkin.checkin_registration(event, people["cecilia"])
    db.session.commit()
    return {"people": people, "water": water, "heat": heat, "item": item, "question": question}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, ["Berg, Anna", "Ek, Cecilia", "Åkesson, Bo", "Öst, David"]),
        ({"organisation_type": "municipality"}, ["Berg, Anna", "Ek, Cecilia"]),
        ({"municipality": "1383"}, ["Ek, Cecilia", "Åkesson, Bo"]),
        ({"checked_in": "yes"}, ["Ek, Cecilia"]),
        ({"checked_in": "no"}, ["Berg, Anna", "Åkesson, Bo", "Öst, David"]),
        ({"q": "kommun", "municipality": "1380"}, ["Berg, Anna"]),
        ({"organisation_type": "nonsense"}, ["Berg, Anna", "Ek, Cecilia", "Åkesson, Bo", "Öst, David"]),
    ],
)
def test_filters(signed_in, event, world, args, expected):
    assert listed(signed_in, event, **args) == expected


def test_filters_by_focus_area_workshop_and_answer(signed_in, event, world):
    assert listed(signed_in, event, focus_area=world["water"].id) == ["Berg, Anna", "Ek, Cecilia"]
    assert listed(signed_in, event, focus_area=world["heat"].id) == ["Ek, Cecilia", "Åkesson, Bo"]
    assert listed(signed_in, event, workshop=world["item"].id) == ["Berg, Anna", "Ek, Cecilia"]
    question = world["question"].id
    assert listed(signed_in, event, question=question, answer="Ja, buss") == ["Berg, Anna"]
    assert listed(signed_in, event, question=question, answer="Nej") == ["Åkesson, Bo"]
    assert listed(signed_in, event, question=question) == ["Berg, Anna", "Åkesson, Bo"]


def test_the_filter_form_keeps_the_choices_and_offers_the_events_values(signed_in, event, world):
    html = unescape(
        signed_in.get(base(event), query_string={"municipality": "1383", "checked_in": "yes"}).get_data(as_text=True)
    )
    assert '<option value="1383" selected>Varberg</option>' in html
    assert '<option value="1380">Halmstad</option>' in html
    assert '<option value="yes" selected>' in html
    assert "Workshop: Nödvatten" in html and "Kommer du med buss?" in html
    assert '<option value="name" selected>Efternamn</option>' in html
    assert '<option value="-organisation">Organisation (omvänt)</option>' in html
    # The checked-in column
    row = re.search(rf'id="registration-{world["people"]["cecilia"].id}">(.*?)</tr>', html, re.S).group(1)
    assert re.search(r'class="checked-in">Ja<', row)


def test_sorting(signed_in, event, world):
    assert listed(signed_in, event, sort="-name") == ["Öst, David", "Åkesson, Bo", "Ek, Cecilia", "Berg, Anna"]
    assert listed(signed_in, event, sort="organisation") == ["Öst, David", "Berg, Anna", "Åkesson, Bo", "Ek, Cecilia"]
    assert listed(signed_in, event, sort="first_name") == ["Berg, Anna", "Åkesson, Bo", "Ek, Cecilia", "Öst, David"]
    assert listed(signed_in, event, sort="created") == ["Berg, Anna", "Åkesson, Bo", "Ek, Cecilia", "Öst, David"]


def test_the_list_paginates_and_keeps_the_filters(signed_in, event):
    from sqlalchemy import insert

    from forum.db import utcnow

    now = utcnow()
    db.session.execute(
        insert(Registration),
        [
            {
                "event_id": event.id,
                "status": RegistrationStatus.CONFIRMED,
                "first_name": "Person",
                "last_name": f"Nummer {n:04d}",
                "email": f"p{n}@example.org",
                "email_key": f"p{n}@example.org",
                "organisation": "Kommunen" if n % 2 else "Föreningen",
                "link_salt": f"{n:032d}",
                "token_hash": f"{n:064d}",
                "queued_at": now,
                "created_at": now,
                "updated_at": now,
                "dietary": [],
            }
            for n in range(1200)
        ],
    )
    db.session.commit()
    first = signed_in.get(base(event), query_string={"q": "kommunen", "size": "200"}).get_data(as_text=True)
    assert "600 anmälningar" in first
    assert rows(first)[0] == "Nummer 0001, Person" and len(rows(first)) == 200
    next_link = unescape(re.search(r'<a href="([^"]+)" rel="next">', first).group(1))
    assert "q=kommunen" in next_link and "size=200" in next_link and "page=2" in next_link
    last = signed_in.get(base(event), query_string={"q": "kommunen", "size": "200", "page": "3"}).get_data(as_text=True)
    assert rows(last)[-1] == "Nummer 1199, Person" and 'rel="next"' not in last
    assert len(rows(signed_in.get(base(event)).get_data(as_text=True))) == 50


def test_one_select_serves_list_and_exports(app, event, world):
    """The list's rows and an export's rows come from the same function (the same filters, the same order)."""
    filters = Filters.from_args({"focus_area": str(world["heat"].id), "sort": "-name"})
    names = [r.last_name for r in db.session.scalars(select_registrations(event, filters))]
    assert names == ["Åkesson", "Ek"]
    assert Filters.from_args(filters.args()) == filters


# --- bulk actions -----------------------------------------------------------------------------------


def bulk(client, event, action: str, selected=(), scope="selected", **filters):
    page = client.get(base(event), query_string=filters)
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "action": action, "scope": scope, **filters}
    data["selected"] = [str(registration.id) for registration in selected]
    return client.post(f"{base(event)}/bulk", data=data)


@pytest.fixture
def approval(event):
    event.requires_approval = True
    event.capacity = 2
    db.session.commit()
    return [add(event, name, "Väntar") for name in ("Alva", "Björn", "Cornelia")]


def test_bulk_approve_goes_through_the_service(signed_in, event, approval, organiser):
    response = bulk(signed_in, event, "approve", approval)
    assert response.status_code == 303
    assert "/registrations" in response.headers["Location"]
    page = text(signed_in.get(response.headers["Location"]))
    assert "3 anmälningar godkändes" in page
    assert "1 av dem står på väntelistan" in page
    db.session.expire_all()
    statuses = sorted(db.session.get(Registration, r.id).status.value for r in approval)
    assert statuses == ["confirmed", "confirmed", "waiting"]
    assert len(db.session.scalars(select(AuditLog).where(AuditLog.action == "registration.approved")).all()) == 3


def test_bulk_cancel_asks_first(signed_in, event, organiser):
    people = [add(event, name, "Avbokas") for name in ("Erik", "Frida")]
    keep = add(event, "Gustav", "Stannar")
    page = bulk(signed_in, event, "cancel", people)
    assert page.status_code == 200
    html = text(page)
    assert "Avboka 2 anmälningar?" in html and "Erik Avbokas" in html and "Gustav" not in html
    db.session.expire_all()
    assert all(db.session.get(Registration, r.id).status == RegistrationStatus.CONFIRMED for r in people)
    token = csrf_from(page.get_data(as_text=True))
    ids = re.findall(r'name="selected" value="(\d+)"', page.get_data(as_text=True))
    response = signed_in.post(f"{base(event)}/bulk/cancel", data={"csrf_token": token, "selected": ids})
    assert response.status_code == 303
    db.session.expire_all()
    assert [db.session.get(Registration, r.id).status for r in people] == [RegistrationStatus.CANCELLED] * 2
    assert db.session.get(Registration, keep.id).status == RegistrationStatus.CONFIRMED
    assert len(db.session.scalars(select(AuditLog).where(AuditLog.action == "registration.cancelled")).all()) == 2


def test_bulk_actions_on_every_row_of_the_filter(signed_in, event, world):
    page = bulk(signed_in, event, "cancel", scope="all", organisation_type="municipality")
    html = text(page)
    assert "Avboka 2 anmälningar?" in html and "Anna Berg" in html and "Cecilia Ek" in html and "David" not in html


def test_nothing_chosen_changes_nothing(signed_in, event, world):
    response = bulk(signed_in, event, "cancel", ())
    assert response.status_code == 303
    assert "Markera minst en anmälan" in text(signed_in.get(response.headers["Location"]))


def test_another_events_registration_cannot_be_chosen(signed_in, event, world):
    other = factories.event()
    stranger = add(other, "Främling", "Annan")
    response = bulk(signed_in, event, "cancel", [stranger])
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, stranger.id).status == RegistrationStatus.CONFIRMED


def test_bulk_badges_hand_the_confirmed_to_the_badge_pdf(signed_in, event, world):
    chosen = [world["people"]["anna"], world["people"]["bo"]]
    page = bulk(signed_in, event, "badges", chosen)
    html = page.get_data(as_text=True)
    assert "2 av de markerade är bekräftade" in unescape(html)
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form.group(1) == f"/admin/events/{event.slug}/badges"
    data = dict(re.findall(r'<input type="hidden" name="(which)" value="([^"]+)"', form.group(2)))
    data["csrf_token"] = csrf_from(form.group(2))
    data["selected"] = re.findall(r'name="selected" value="(\d+)"', form.group(2))
    data["layout"] = "a6"
    response = signed_in.post(form.group(1), data=data)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    import pypdfium2

    assert len(pypdfium2.PdfDocument(response.data)) == 2  # A6: one badge a page


def test_bulk_message_offers_the_chosen_as_recipients(signed_in, event, world):
    chosen = [world["people"]["anna"], world["people"]["david"]]
    response = bulk(signed_in, event, "message", chosen)
    assert response.status_code == 303
    compose_url = response.headers["Location"]
    assert compose_url.endswith(f"/admin/events/{event.slug}/messages")
    html = unescape(signed_in.get(compose_url).get_data(as_text=True))
    assert '<option value="selection">Markerade i deltagarlistan (2)</option>' in html
    data = {
        "csrf_token": csrf_from(html),
        "segment": "selection",
        "subject": "Till de markerade",
        "body": "Hej!",
        "language": "sv",
    }
    preview = signed_in.post(f"{compose_url}/preview", data=data).get_data(as_text=True)
    hidden = {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', preview, re.S)
    }
    signed_in.post(f"{compose_url}/send", data=hidden)
    db.session.expire_all()
    recipients = sorted(
        m.recipient for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "message"))
    )
    assert recipients == sorted(r.email for r in chosen)


def test_check_in_staff_cannot_use_bulk_actions(signed_in, event, world):
    token = csrf_from(signed_in.get(base(event)).get_data(as_text=True))
    staff = factories.user(roles={event: "checkin"})
    db.session.commit()
    login_as(signed_in, staff)
    response = signed_in.post(
        f"{base(event)}/bulk",
        data={"csrf_token": token, "action": "cancel", "selected": [str(world["people"]["anna"].id)]},
    )
    assert response.status_code == 403
