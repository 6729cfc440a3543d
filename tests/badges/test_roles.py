"""Role bands: the role an organiser sets on a registration is printed in words (and its own colour) on
the badge, the badge still scans, and the door is told the role."""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from forum.badges import pdf
from forum.badges import services as badges
from forum.badges.services import code_for
from forum.checkin import services as checkin
from forum.extensions import db
from forum.privacy.models import AuditLog
from forum.registration.models import BadgeRole, Registration
from tests import factories
from tests.auth.helpers import error_for, text
from tests.badges.test_pdf import decoded, registered, text_of
from tests.conftest import submit


@pytest.fixture
def event(app):
    return factories.event(capacity=20, title="Beredskapsforum Halland")


def edit_url(registration: Registration) -> str:
    return f"/admin/events/{registration.event.slug}/registrations/{registration.id}/edit"


def edit_data(registration: Registration, **fields) -> dict:
    data = {
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "organisation": registration.organisation,
        "consent_confirmed": "y",
    }
    data.update(fields)
    return data


def test_a_press_badge_says_press_in_words_and_still_scans(event):
    press = registered(event, 1, first_name="Łukasz", last_name="Nguyễn", organisation="Hallands Nyheter")
    participant = registered(event, 2, first_name="Zoë", last_name="Åsa Öberg")
    badges.set_role(press, BadgeRole.PRESS)
    db.session.commit()
    data = pdf.badges_pdf([press, participant], "a4-8")
    db.session.commit()
    words = text_of(data)
    assert "PRESS" in words  # the band's word, in capitals
    assert "DELTAGARE" in words  # the other badge keeps its derived role
    assert "Łukasz Nguyễn" in words
    assert sorted(decoded(data)) == sorted([code_for(press), code_for(participant)])


def test_each_role_has_its_own_word_and_colour(app):
    labels = {pdf.role_label(role.value) for role in BadgeRole}
    assert labels == {"Deltagare", "Talare", "Arrangör", "Press", "Funktionär", "Gäst"}
    with force_locale("en"):
        english = {pdf.role_label(role.value) for role in BadgeRole}
    # One person's role, in the singular: the programme's heading "Talare" is "Speakers".
    assert english == {"Participant", "Speaker", "Organiser", "Press", "Staff", "Guest"}
    colours = [pdf.ROLE_COLOURS[role.value].hexval() for role in BadgeRole]
    assert len(set(colours)) == len(BadgeRole)


def test_the_set_role_wins_over_the_derived_one_and_none_derives_again(event):
    team_member = registered(event, 1, email="olle@example.org")
    factories.user(email="olle@example.org", roles={event: "organiser"})
    db.session.commit()
    assert pdf.roles([team_member]) == {team_member.id: "organiser"}
    assert pdf.role_of(team_member) == "organiser"
    badges.set_role(team_member, BadgeRole.STAFF)
    assert pdf.roles([team_member]) == {team_member.id: "staff"}
    assert "FUNKTIONÄR" in text_of(pdf.badges_pdf([team_member], "labels-2x4"))
    badges.set_role(team_member, None)
    assert pdf.role_of(team_member) == "organiser"
    assert "ARRANGÖR" in text_of(pdf.badges_pdf([team_member], "a6"))


def test_the_organiser_sets_the_role_on_the_edit_form(signed_in, event, organiser):
    registration = registered(event, 1, first_name="Per", last_name="Ek", organisation="Sveriges Radio")
    page = text(signed_in.get(edit_url(registration)))
    assert "Roll på namnbrickan" in page
    assert '<option value="press">Press</option>' in page

    response = submit(signed_in, edit_url(registration), edit_data(registration, badge_role="press"))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).badge_role == BadgeRole.PRESS
    [entry] = db.session.scalars(select(AuditLog).where(AuditLog.action == "badge.role_set")).all()
    assert (entry.user_id, entry.target_id, entry.details["after"]) == (organiser.id, registration.id, "press")

    badge = signed_in.get(f"/admin/events/{event.slug}/badges/{registration.id}.pdf")
    assert badge.status_code == 200
    assert "PRESS" in text_of(badge.data)
    assert decoded(badge.data) == [code_for(registration)]

    # Back to automatic: the derived role again.
    submit(signed_in, edit_url(registration), edit_data(registration, badge_role=""))
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).badge_role is None
    assert "DELTAGARE" in text_of(signed_in.get(f"/admin/events/{event.slug}/badges/{registration.id}.pdf").data)


def test_an_unknown_role_is_refused_next_to_the_field_and_the_typed_values_kept(signed_in, event):
    registration = registered(event, 1, first_name="Per", last_name="Ek")
    response = submit(signed_in, edit_url(registration), edit_data(registration, last_name="Ekberg", badge_role="king"))
    assert response.status_code == 200
    html = text(response)
    assert error_for(html, "badge_role") == "Välj ett av alternativen."
    assert 'value="Ekberg"' in html
    db.session.expire_all()
    saved = db.session.get(Registration, registration.id)
    assert (saved.last_name, saved.badge_role) == ("Ek", None)


def test_the_door_is_told_the_role(client, event):
    registration = registered(event, 1, first_name="Per", last_name="Ek")
    badges.set_role(registration, BadgeRole.PRESS)
    code = badges.ensure_code(registration).code
    _device, token = checkin.create_device(event, "Norra ingången")
    db.session.commit()
    response = client.post(
        f"/api/v1/events/{event.slug}/checkins",
        data=json.dumps({"code": code, "client_scan_id": "r1"}),
        headers={"Authorization": f"Bearer {token}"},
        content_type="application/json",
    )
    assert response.json["result"] == "ok"
    assert response.json["registration"]["role"] == "press"
    assert response.json["registration"]["role_label"] == "Press"
    listing = client.get(f"/api/v1/events/{event.slug}/checkin-list", headers={"Authorization": f"Bearer {token}"})
    [entry] = listing.json["entries"]
    assert (entry["code"], entry["role"], entry["role_label"]) == (code, "press", "Press")
