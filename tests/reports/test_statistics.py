"""Statistics per event: the numbers for a known data set, the charts (SVG with the numbers in a
table), check-in and no-show rates, the printable summary, and that erasing personal data leaves
every number as it was."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forum.checkin import services as checkin
from forum.extensions import db
from forum.programme.models import ProgrammeItem, ProgrammeItemKind
from forum.registration import services
from forum.registration.models import OrganisationType, Registration, RegistrationStatus
from forum.reports import statistics
from tests import factories
from tests.auth.helpers import text
from tests.conftest import login_as

SLUG = "skane-forum"
PAGE = f"/admin/events/{SLUG}/statistics"


@pytest.fixture
def event(app):
    return factories.event(slug=SLUG, title="Regionalt forum Skåne", capacity=4, timezone="Europe/Stockholm")


def workshop(event, title, capacity, hour):
    item = ProgrammeItem(
        event=event,
        title=title,
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=event.starts_at + timedelta(hours=hour),
        ends_at=event.starts_at + timedelta(hours=hour + 1),
        requires_signup=True,
        capacity=capacity,
    )
    db.session.add(item)
    db.session.flush()
    return item


def utc(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def data(event):
    """Four confirmed, one on the waiting list, one who left the waiting list (cancelled)."""
    water = factories.focus_area(event, "Vatten", 1)
    heat = factories.focus_area(event, "Värme och energi", 2)
    factories.focus_area(event, "Livsmedel", 3)
    small = workshop(event, "Workshop: Vatten", 2, 1)
    open_ = workshop(event, "Workshop: Värme", None, 2)
    people = [
        # (org type, municipality, focus areas, workshops, created_at)
        (OrganisationType.MUNICIPALITY, "1380", [water, heat], [small], utc(1, 10)),
        (OrganisationType.MUNICIPALITY, "1380", [water], [small], utc(1, 22, 30)),  # 23.30 in Stockholm
        (OrganisationType.NON_PROFIT, "1315", [], [small], utc(1, 23, 30)),  # 00.30 on 2 March in Stockholm
        (None, "", [heat], [open_], utc(4, 9)),
        (OrganisationType.MUNICIPALITY, "1380", [water], [], utc(4, 10)),  # waiting list
        (OrganisationType.COMPANY, "1280", [heat], [], utc(4, 11)),  # waiting, then cancels
    ]
    registrations = []
    for n, (kind, code, areas, items, created) in enumerate(people, start=1):
        registration = services.register(
            event,
            services.Details(
                first_name=f"Person{n}",
                last_name="Testsson",
                email=f"person{n}@example.org",
                organisation=f"Deltagarorganisation {n}",
                organisation_type=kind,
                municipality_code=code,
                focus_area_ids=[area.id for area in areas],
                workshop_ids=[item.id for item in items],
            ),
        ).registration
        registration.created_at = created
        registrations.append(registration)
    db.session.commit()
    services.cancel(registrations[5])
    db.session.commit()
    assert [r.status for r in registrations] == [RegistrationStatus.CONFIRMED] * 4 + [
        RegistrationStatus.WAITING,
        RegistrationStatus.CANCELLED,
    ]
    # At the door: 1 admitted; 2 admitted by mistake and undone; 5 (waiting list) refused.
    checkin.checkin_registration(event, registrations[0])
    mistaken = checkin.checkin_registration(event, registrations[1])
    checkin.undo(checkin.admitted(registrations[1]))
    refused = checkin.checkin_registration(event, registrations[4])
    db.session.commit()
    assert mistaken and refused
    return registrations


def shares(items):
    return [(share.label, share.count) for share in items]


def test_the_numbers_of_a_known_data_set(event, data):
    stats = statistics.for_event(event)
    assert stats.received == 6
    assert stats.confirmed == 4
    assert stats.by_status[RegistrationStatus.WAITING] == 1
    assert stats.by_status[RegistrationStatus.CANCELLED] == 1

    # per day in the event's time zone, days without registrations included
    assert [(d.day.isoformat(), d.new, d.total) for d in stats.over_time] == [
        ("2026-03-01", 2, 2),
        ("2026-03-02", 1, 3),
        ("2026-03-03", 0, 3),
        ("2026-03-04", 3, 6),
    ]
    # the breakdowns count the confirmed only
    assert shares(stats.by_organisation_type) == [
        ("Kommun", 2),
        ("Ej angiven", 1),
        ("Förening eller annan ideell organisation", 1),
    ]
    assert shares(stats.by_municipality) == [("Halmstad", 2), ("Ej angiven", 1), ("Hylte", 1)]
    assert stats.by_municipality[0].percent == 50.0
    assert shares(stats.by_focus_area) == [("Vatten", 2), ("Värme och energi", 2), ("Livsmedel", 0)]
    assert stats.without_focus_area == 1

    fill = [(w.title, w.taken, w.capacity, w.waiting) for w in stats.workshops]
    assert fill == [("Workshop: Vatten", 2, 2, 1), ("Workshop: Värme", 1, None, 0)]
    assert stats.workshops[0].percent == 100.0
    assert stats.workshops[1].percent is None

    assert (stats.attendance.expected, stats.attendance.checked_in, stats.attendance.no_shows) == (4, 1, 3)
    assert stats.attendance.checkin_rate == 25.0
    assert stats.attendance.no_show_rate == 75.0


def test_anonymising_every_registration_leaves_the_statistics_unchanged(event, data):
    from forum.privacy.anonymise import anonymise_registration

    before = statistics.for_event(event)
    for registration in db.session.scalars(select(Registration).where(Registration.event_id == event.id)):
        anonymise_registration(registration)
    db.session.commit()
    db.session.expire_all()
    assert {r.first_name for r in db.session.scalars(select(Registration))} == {"Anonymiserad"}
    assert statistics.for_event(event) == before


def test_an_event_without_registrations_has_no_rates(event):
    stats = statistics.for_event(event)
    assert stats.received == 0 and stats.over_time == []
    assert stats.attendance.checkin_rate is None and stats.attendance.no_show_rate is None


@pytest.fixture
def organiser_client(client, event):
    login_as(client, factories.user(roles={event: "organiser"}))
    db.session.commit()
    return client


def table_rows(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, f"no table {table_id}"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    cells = [
        [re.sub(r"<[^>]+>", " ", cell).split() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]
    return [[" ".join(words) for words in row] for row in cells]


def test_the_page_shows_charts_with_the_numbers_in_tables(organiser_client, event, data):
    response = organiser_client.get(PAGE)
    assert response.status_code == 200
    html = text(response)
    # one accessible SVG per chart, each with a title
    charts = re.findall(r'<svg[^>]*role="img"[^>]*>\s*<title id="([^"]+)">([^<]+)</title>', html)
    titles = [title for _id, title in charts]
    assert "Bekräftade deltagare per kommun" in titles
    assert "Nya anmälningar per dag" in titles and "Anmälningar totalt över tid" in titles
    assert "Platser tagna per pass" in titles and "Incheckning" in titles
    assert "<script" not in html.split("<main", 1)[1]
    # the municipality chart draws a bar for Halmstad with its number…
    svg = re.search(r'<svg[^>]*id="chart-municipality".*?</svg>', html, re.S).group(0)
    assert "<title>Halmstad: 2</title>" in svg
    # …and the table beside it has the same numbers
    assert table_rows(html, "table-municipality")[1:] == [
        ["Halmstad", "2", "50,0 %"],
        ["Ej angiven", "1", "25,0 %"],
        ["Hylte", "1", "25,0 %"],
    ]
    assert table_rows(html, "table-focus-area")[1:] == [
        ["Vatten", "2", "50,0 %"],
        ["Värme och energi", "2", "50,0 %"],
        ["Livsmedel", "0", "0,0 %"],
        ["Inget fokusområde valt", "1", "25,0 %"],
    ]
    assert table_rows(html, "table-time")[1:] == [
        ["1 mars 2026", "2", "2"],
        ["2 mars 2026", "1", "3"],
        ["4 mars 2026", "3", "6"],
    ]
    workshops = table_rows(html, "table-workshops")
    assert workshops[1][1:] == ["2", "2", "100,0 %", "1"]
    assert workshops[2][1:] == ["1", "ingen gräns", "–", "0"]
    assert re.search(r'id="checkin-rate">25,0 %<', html)
    assert re.search(r'id="no-show-rate">75,0 %<', html)
    assert re.search(r'id="no-shows">3<', html)
    # the event's navigation leads here
    assert f'<a href="{PAGE}" aria-current="page">Statistik</a>' in html


def test_the_printable_summary_holds_no_personal_data(organiser_client, event, data):
    response = organiser_client.get(f"{PAGE}/summary")
    assert response.status_code == 200
    html = text(response)
    assert "Sammanställning: Regionalt forum Skåne" in html
    assert "css/reports.css" in html
    assert re.search(r'id="checkin-rate">25,0 %<', html)
    assert 'role="img"' in html
    for personal in ("Person1", "Testsson", "@example.org", "Deltagarorganisation"):
        assert personal not in html
    assert "event-nav" not in html


def test_statistics_are_for_the_events_organisers_only(client, event, data):
    assert client.get(PAGE).status_code == 302  # to the login page
    login_as(client, factories.user(roles={event: "checkin"}))
    db.session.commit()
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/summary").status_code == 403
