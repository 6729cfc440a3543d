"""A small world in which every route of the URL map has real objects to point at.

It starts from tests/auth/test_route_access.py's world (event A with a focus area, a room and a
programme item; event B; one user of each kind) and adds to event A what the other routes take:
a registration with a badge code, an invitee, a speaker on the programme item, an open call with a
proposal, a check-in device and a check-in, a form question, a staged import, a password reset
link. URLs are built by that module's `url_for_rule`, with real link tokens put in for <token> and
<key>, so that a request reaches the object the route is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.routing import Rule

from forum.extensions import db
from tests.auth.test_route_access import ADMIN, World, build_world, url_for_rule


@dataclass
class SecurityWorld:
    base: World
    # A rule's path prefix → the real token for it (/r/<token> → a registration's, …).
    tokens: dict[str, str] = field(default_factory=dict)
    import_key: str = ""
    device_token: str = ""
    admin_identity: str = ""
    event_id: int = 0

    @property
    def slug(self) -> str:
        return self.base.slug


def build(app) -> SecurityWorld:
    base = build_world(app)
    with app.app_context():
        world = SecurityWorld(base=base, admin_identity=base.identities[ADMIN])
        _populate(world)
        db.session.commit()
        db.session.remove()
    return world


def _populate(world: SecurityWorld) -> None:
    from forum.auth import services as accounts
    from forum.auth.models import User
    from forum.badges import services as badges
    from forum.checkin import services as checkin
    from forum.events.models import Event, ParticipantListVisibility
    from forum.invitations import importing
    from forum.invitations import services as invitations
    from forum.invitations.models import InviteeSource
    from forum.programme import calls, speakers
    from forum.programme.models import Appearance, CallStatus, ContributionCall, ProgrammeItem, ProposalFormat
    from forum.registration import links
    from forum.registration import services as registration
    from forum.registration.models import Question, QuestionKind

    event = db.session.scalar(select(Event).where(Event.slug == world.slug))
    world.event_id = event.id
    event.participant_list = ParticipantListVisibility.ATTENDEES  # so that /r/<token>/participants opens
    item = db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id))

    registered = registration.register(
        event,
        registration.Details(first_name="Rut", last_name="Registrerad", email="rut@example.org", organisation="MSB"),
    ).registration
    code = badges.ensure_code(registered).code
    invitee = invitations.add_invitees(
        event, [invitations.InviteeData(email="ivar@example.org", first_name="Ivar")], InviteeSource.MANUAL
    )[0]
    speaker = speakers.add_speaker(event, speakers.SpeakerData(name="Sara Talare", email="sara@example.org"))
    item.appearances.append(Appearance(speaker=speaker, position=0))
    db.session.add(ContributionCall(event_id=event.id, status=CallStatus.OPEN, text="Skicka in bidrag."))
    db.session.flush()
    _proposal, proposal_token = calls.submit(
        event,
        calls.ProposalData(
            title="Vatten i kris",
            summary="Om vattenförsörjning.",
            format=next(iter(ProposalFormat)),
            presenters=[calls.Presenter(name="Per Presentatör", email="per@example.org", organisation="")],
        ),
    )
    device, world.device_token = checkin.create_device(event, "Entré")
    checkin.scan(event, code, device=device)
    db.session.add(
        Question(event_id=event.id, label="Vill du ha vegetarisk lunch?", kind=QuestionKind.YES_NO, position=1)
    )
    table = importing.read_pasted("namn;e-post\nIda Import;ida@example.org")
    batch = importing.store_batch(event, table, importing.guess_mapping(table))
    world.import_key = batch.key
    checkin_user = db.session.get(User, int(world.base.identities["checkin-A"].partition(":")[0]))
    reset_token = accounts._send_reset_link(checkin_user, hours=2)
    db.session.flush()

    world.tokens = {
        "/r/": links.token_for(registered),
        "/i/": invitations.token_for(invitee),
        "/s/": speakers.token_for(speaker),
        "/c/": proposal_token,
        "/admin/password/reset/": reset_token,
    }
    _fill_ids(world, event)


def _fill_ids(world: SecurityWorld, event) -> None:
    """Ids for the kinds of object added here (the base world named those it had)."""
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if model in world.base.ids:
            continue
        query = select(mapper.primary_key[0])
        if "event_id" in mapper.columns:
            query = query.where(mapper.columns["event_id"] == event.id)
        found = db.session.scalar(query.limit(1))
        if found is not None:
            world.base.ids[model] = found


def url_for(app, rule: Rule, world: SecurityWorld) -> str:
    url = url_for_rule(rule, world.base)
    values = {}
    if "token" in rule.arguments:
        values["token"] = next((token for prefix, token in world.tokens.items() if rule.rule.startswith(prefix)), "x")
    if "key" in rule.arguments:
        values["key"] = world.import_key
    if not values:
        return url
    adapter = app.url_map.bind("localhost")
    _endpoint, arguments = adapter.match(url, method=next(iter(rule.methods - {"HEAD", "OPTIONS"})))
    return rule.build({**arguments, **values}, append_unknown=False)[1]


def post_rules(app) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint != "static"),
        key=lambda rule: rule.rule,
    )


def get_rules(app) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint != "static"),
        key=lambda rule: rule.rule,
    )


def client_as(app, identity: str | None):
    """A test client, logged in through the session cookie when an identity is given."""
    client = app.test_client()
    if identity:
        with client.session_transaction() as session:
            session["_user_id"] = identity
            session["_fresh"] = True
    return client


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, to tell whether a request changed anything."""
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows[table.name] = sorted(repr(tuple(row)) for row in connection.execute(table.select()))
    return rows


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
