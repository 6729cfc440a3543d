"""`flask --app app privacy purge [--dry-run]`: each host's retention rule (anonymise N days after the
event, or keep), an event's override, health data cleared after 14 days whatever the rule, and the
statistics of a purged event unchanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import tokens
from forum.db import utcnow
from forum.events.models import RetentionPolicy
from forum.extensions import db
from forum.invitations.models import ImportBatch, Invitee, InviteeSource
from forum.invitations.services import InviteeData, add_invitees
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.privacy.anonymise import PLACEHOLDER_NAME
from forum.privacy.models import AuditLog
from forum.programme.models import Proposal
from forum.registration import links, services
from forum.registration.models import Answer, Interest, Question, QuestionKind, Registration, RegistrationStatus
from tests import factories
from tests.privacy.helpers import past_event, populate, register, statistics


@pytest.fixture
def host(app):
    return factories.organisation(name="Hela Sverige ska leva Halland", retention_days=30)


def purge(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["privacy", "purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def registrations(event) -> list[Registration]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Registration).where(Registration.event_id == event.id).order_by(Registration.id))
    )


def snapshot(event) -> list[tuple]:
    return [
        (r.first_name, r.last_name, r.email, r.phone, r.organisation, r.dietary, r.accessibility, r.token_hash)
        for r in registrations(event)
    ]


def test_purge_anonymises_exactly_the_registrations_past_retention(app, host):
    old = past_event(host, days_ago=31, slug="gammal")
    recent = past_event(host, days_ago=5, slug="nylig")
    coming = factories.event(organisation=host, slug="kommande")
    question = Question(event=old, label="Vad vill du lära dig?", kind=QuestionKind.SHORT_TEXT, position=1)
    db.session.add(question)
    db.session.flush()
    people = populate(old)
    db.session.add(Answer(registration=people[0], question_id=question.id, value="Om vatten"))
    old_tokens = [links.token_for(person) for person in people]
    populate(recent)
    register(coming, "Fredrik")
    db.session.commit()
    before_recent, before_coming = snapshot(recent), snapshot(coming)

    output = purge(app)

    assert "gammal: " in output and "registrations 5" in output
    assert "nylig" not in output and "kommande" not in output
    anonymised = registrations(old)
    assert [r.first_name for r in anonymised] == [PLACEHOLDER_NAME] * 5
    for registration in anonymised:
        assert registration.last_name == registration.email == registration.phone == registration.organisation == ""
        assert registration.contribution == "" and registration.dietary == [] and registration.accessibility == ""
        assert registration.health_consent_at is None and registration.anonymised_at is not None
        assert not registration.show_in_participant_list
    assert db.session.scalar(select(Answer).where(Answer.question_id == question.id)) is None
    # the personal links no longer open anything
    for token in old_tokens:
        assert services.find_by_token(token) is None
        assert app.test_client().get(f"/r/{token}").status_code == 404
    # kept: statuses and dates
    assert [r.status for r in anonymised].count(RegistrationStatus.CANCELLED) == 1
    assert all(r.created_at for r in anonymised)
    assert snapshot(recent) == before_recent
    assert snapshot(coming) == before_coming
    assert registrations(old)[0].event.anonymised_at is not None


def test_the_statistics_of_a_purged_event_are_unchanged(app, host):
    event = past_event(host, days_ago=40)
    populate(event)
    db.session.commit()
    before = statistics(event)
    assert before["checkins"] == 1 and before["workshops"] == 1 and before["focus_areas"] == 1

    purge(app)

    db.session.expire_all()
    assert registrations(event)[0].first_name == PLACEHOLDER_NAME
    assert statistics(event) == before


def test_a_dry_run_lists_what_would_go_and_changes_nothing(app, host):
    event = past_event(host, days_ago=40, slug="gammal")
    populate(event)
    db.session.commit()
    before = snapshot(event)
    audit_before = db.session.scalar(select(db.func.count()).select_from(AuditLog))

    output = purge(app, "--dry-run")

    assert "gammal: health_cleared 2, registrations 5" in output
    assert "Nothing was changed (dry run)." in output
    assert snapshot(event) == before
    assert registrations(event)[0].event.anonymised_at is None
    assert db.session.scalar(select(db.func.count()).select_from(AuditLog)) == audit_before
    # and the real run then does it
    purge(app)
    assert registrations(event)[0].first_name == PLACEHOLDER_NAME


def test_health_data_is_cleared_after_14_days_even_when_the_host_keeps_registrations(app, host):
    host.retention_policy = RetentionPolicy.KEEP
    old = past_event(host, days_ago=400, slug="forra-aret")
    fresh = past_event(host, days_ago=13, slug="nyss")
    populate(old)
    populate(fresh)
    db.session.commit()

    output = purge(app)

    assert "forra-aret: health_cleared 2" in output
    assert "registrations" not in output and "nyss" not in output
    kept = registrations(old)
    assert [r.first_name for r in kept] == ["Åsa", "Björn", "Cecilia", "David", "Eva"]
    assert kept[0].email == "åsa.öberg@example.org" and kept[0].phone == "070-111 22 33"
    assert all(r.dietary == [] and r.dietary_other == "" and r.accessibility == "" for r in kept)
    assert all(r.health_consent_at is None for r in kept)
    assert kept[0].event.health_data_cleared_at is not None and kept[0].event.anonymised_at is None
    untouched = registrations(fresh)
    assert untouched[0].dietary == ["vegan"] and untouched[0].accessibility == "Rullstol"
    assert untouched[1].dietary_other == "Inga svampar"


def test_an_event_can_override_its_hosts_rule(app, host):
    keeper = factories.organisation(name="Länsstyrelsen Skåne", retention_policy=RetentionPolicy.KEEP)
    overridden_to_anonymise = past_event(
        keeper, days_ago=10, retention_policy=RetentionPolicy.ANONYMISE, retention_days=7
    )
    overridden_to_keep = past_event(host, days_ago=100, retention_policy=RetentionPolicy.KEEP)
    longer = past_event(host, days_ago=100, retention_days=365)
    for event in (overridden_to_anonymise, overridden_to_keep, longer):
        register(event, "Åsa")
    db.session.commit()

    purge(app)

    assert registrations(overridden_to_anonymise)[0].first_name == PLACEHOLDER_NAME
    assert registrations(overridden_to_keep)[0].first_name == "Åsa"
    assert registrations(longer)[0].first_name == "Åsa"


def test_invitations_interests_proposals_messages_and_uploads_go_too(app, host):
    event = past_event(host, days_ago=31, slug="gammal")
    coming = factories.event(organisation=host, slug="kommande")
    (invitee,) = add_invitees(
        event, [InviteeData(email="gustav@example.org", first_name="Gustav", role="Samordnare")], InviteeSource.MANUAL
    )
    invitee.decline_reason = "Jag är bortrest"
    db.session.add(
        Interest(
            event=event, name="Hanna Ek", email="hanna@example.org", email_key="hanna@example.org", kinds=["follow"]
        )
    )
    proposal = Proposal(
        event=event,
        title="Vattenplan för byn",
        presenters=[{"name": "Ivar Ås", "email": "ivar@example.org", "organisation": "Byalaget"}],
    )
    tokens.assign("proposal", proposal)
    db.session.add(proposal)
    registration = register(event, "Åsa")
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == registration.email))
    message.status = OutboxStatus.SENT
    stale = utcnow() - timedelta(hours=25)
    table = {"header": ["e-post"], "rows": []}
    db.session.add(ImportBatch(event_id=coming.id, key="old-upload", table=table, created_at=stale))
    db.session.add(ImportBatch(event_id=coming.id, key="new-upload", table=table))
    db.session.commit()

    output = purge(app)

    assert "gammal: registrations 1, invitees 1, interests 1, proposals 1, messages 1" in output
    assert "kommande: imports 1" in output
    db.session.expire_all()
    invitee = db.session.get(Invitee, invitee.id)
    assert (invitee.first_name, invitee.email, invitee.role, invitee.decline_reason) == (PLACEHOLDER_NAME, "", "", "")
    assert invitee.declined_at is None and invitee.source == InviteeSource.MANUAL
    interest = db.session.scalar(select(Interest).where(Interest.event_id == event.id))
    assert (interest.name, interest.email, interest.kinds) == (PLACEHOLDER_NAME, "", ["follow"])
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.presenters == [{"name": PLACEHOLDER_NAME, "email": "", "organisation": ""}]
    assert proposal.title == "Vattenplan för byn"
    message = db.session.get(OutboxMessage, message.id)
    assert message.recipient == "" and message.body_text == "" and message.attachments == []
    assert message.status == OutboxStatus.SENT
    assert [batch.key for batch in db.session.scalars(select(ImportBatch))] == ["new-upload"]


def test_running_it_again_changes_nothing_and_the_run_is_audited_without_personal_data(app, host):
    event = past_event(host, days_ago=31)
    populate(event)
    db.session.commit()

    purge(app)
    assert purge(app).strip().splitlines()[0] == "Nothing to clear."

    (entry,) = db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy.purged"))
    assert entry.event_id == event.id and entry.user_id is None
    assert entry.details["registrations"] == 5 and entry.details["checkins_kept"] == 1
    assert "Åsa" not in str(entry.details) and "@" not in str(entry.details)


def test_a_registration_added_after_the_purge_is_anonymised_by_the_next_run(app, host):
    event = past_event(host, days_ago=31)
    register(event, "Åsa")
    db.session.commit()
    purge(app)
    register(event, "Jonas")
    db.session.commit()

    purge(app)

    assert [r.first_name for r in registrations(event)] == [PLACEHOLDER_NAME, PLACEHOLDER_NAME]


def test_the_organisers_are_told_two_weeks_ahead_to_take_the_archive(app, host):
    event = past_event(host, days_ago=20, slug="snart", title="Temamöte om vatten")
    organiser = factories.user(email="olle@example.org", name="Olle Arrangör", roles={event: "organiser"})
    factories.user(email="kim@example.org", roles={event: "checkin"})
    register(event, "Åsa")
    db.session.commit()

    assert "snart: notices 1" in purge(app, "--dry-run")
    assert not list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == organiser.email)))

    assert "snart: notices 1" in purge(app)

    (message,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "privacy.retention_notice"))
    assert message.recipient == "olle@example.org"
    assert message.subject == "Personuppgifterna i Temamöte om vatten görs snart anonyma"
    assert "Hej Olle Arrangör," in message.body_text
    assert "görs anonyma den" in message.body_text
    assert "http://localhost/admin/events/snart/privacy" in message.body_text
    assert registrations(event)[0].first_name == "Åsa"
    # once only
    assert "Nothing to clear." in purge(app)
