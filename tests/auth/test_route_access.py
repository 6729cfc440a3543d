"""Route by role: every route in the URL map, for every kind of user, against an expected table.

The table below is written out independently of forum.auth.policy: if the policy (or a route's
declaration) lets someone through who should not pass, or shuts out someone who should, a row
of the printed failure table says which route, which user, what was expected and what happened.

Each rule gets a freshly built world, so that a POST that deletes or deactivates something
cannot change what later rules see. CSRF is switched off here (its refusal is tested in
tests/test_security.py): an empty POST must reach the access check, not stop at the token.

The requests run without the test's application context pushed, so that each request gets its
own context, `g` and database session, as in production, whichever user sent the one before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Rule
from werkzeug.security import generate_password_hash

from forum import create_app
from forum.auth.models import EventRole, Role, User
from forum.auth.policy import Permission, declared_permission
from forum.extensions import db
from tests import factories
from tests.conftest import _empty_tables, _test_config

ANONYMOUS, CHECKIN_A, ORGANISER_B, ORGANISER_A, OWNER_A, ADMIN = (
    "anonymous",
    "checkin-A",
    "organiser-B",
    "organiser-A",
    "owner-A",
    "admin",
)
# Least to most powerful, so that a destructive POST by an admin runs last.
USERS = (ANONYMOUS, CHECKIN_A, ORGANISER_B, ORGANISER_A, OWNER_A, ADMIN)

PASS, LOGIN, DENY = "pass", "login", "403"


def _table(**by_user: str) -> dict[str, str]:
    names = {
        "anonymous": ANONYMOUS,
        "checkin_a": CHECKIN_A,
        "organiser_b": ORGANISER_B,
        "organiser_a": ORGANISER_A,
        "owner_a": OWNER_A,
        "admin": ADMIN,
    }
    return {names[key]: value for key, value in by_user.items()}


EXPECTED: dict[Permission, dict[str, str]] = {
    Permission.PUBLIC: _table(
        anonymous=PASS, checkin_a=PASS, organiser_b=PASS, organiser_a=PASS, owner_a=PASS, admin=PASS
    ),
    Permission.LOGIN: _table(
        anonymous=LOGIN, checkin_a=PASS, organiser_b=PASS, organiser_a=PASS, owner_a=PASS, admin=PASS
    ),
    Permission.EVENT_CHECKIN: _table(
        anonymous=LOGIN, checkin_a=PASS, organiser_b=DENY, organiser_a=PASS, owner_a=PASS, admin=PASS
    ),
    Permission.EVENT_MANAGE: _table(
        anonymous=LOGIN, checkin_a=DENY, organiser_b=DENY, organiser_a=PASS, owner_a=PASS, admin=PASS
    ),
    Permission.EVENT_OWN: _table(
        anonymous=LOGIN, checkin_a=DENY, organiser_b=DENY, organiser_a=DENY, owner_a=PASS, admin=PASS
    ),
    Permission.EVENT_CREATE: _table(
        anonymous=LOGIN, checkin_a=DENY, organiser_b=PASS, organiser_a=PASS, owner_a=PASS, admin=PASS
    ),
    Permission.ADMIN: _table(
        anonymous=LOGIN, checkin_a=DENY, organiser_b=DENY, organiser_a=DENY, owner_a=DENY, admin=PASS
    ),
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Hashed once: every user of the world shares it, so that rebuilding the world stays fast.
PASSWORD_HASH = generate_password_hash(factories.PASSWORD)


@pytest.fixture
def routes_app(database_url):
    """An app whose context is pushed only while the test builds its world (see the docstring)."""
    app = create_app(_test_config(database_url, WTF_CSRF_ENABLED=False))
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    slug: str
    identities: dict[str, str]  # user → Flask-Login identity
    ids: dict[type, int] = field(default_factory=dict)  # model → the id to put in URLs


def _user(label: str, *, admin: bool = False, roles: dict | None = None) -> User:
    user = User(
        email=f"{label.lower()}@example.org",
        name=label,
        is_admin=admin,
        password_hash=PASSWORD_HASH,
        session_token=f"{label}-session".replace("-", "")[:32],
    )
    db.session.add(user)
    for event, role in (roles or {}).items():
        db.session.add(EventRole(user=user, event=event, role=role))
    db.session.flush()
    return user


def build_world(app) -> World:
    """Event A with a focus area, a room and a programme item; event B; one user of each kind."""
    with app.app_context():
        _empty_tables()
        event_a = factories.event(title="Evenemang A")
        event_b = factories.event(title="Evenemang B")
        area = factories.focus_area(event_a, "Vatten")
        room = factories.room(event_a, "Stora salen")
        factories.focus_area(event_b, "Värme och energi")
        factories.room(event_b, "Sal B")
        _programme_item(event_a, room, area)

        checkin = _user(CHECKIN_A, roles={event_a: Role.CHECKIN})
        users = {
            CHECKIN_A: checkin,
            ORGANISER_B: _user(ORGANISER_B, roles={event_b: Role.ORGANISER}),
            ORGANISER_A: _user(ORGANISER_A, roles={event_a: Role.ORGANISER}),
            OWNER_A: _user(OWNER_A, roles={event_a: Role.OWNER}),
            ADMIN: _user(ADMIN, admin=True),
        }
        world = World(slug=event_a.slug, identities={label: user.get_id() for label, user in users.items()})
        # An id argument of a model names the object of that kind that belongs to event A (or the
        # check-in user, who is the one kind of account every admin screen can safely act on).
        preferred = {
            User: checkin.id,
            EventRole: db.session.scalar(select(EventRole.id).where(EventRole.user_id == checkin.id)),
            type(event_a.organisation): event_a.organisation_id,
        }
        for mapper in db.Model.registry.mappers:
            model = mapper.class_
            if model in preferred:
                world.ids[model] = preferred[model]
                continue
            query = select(mapper.primary_key[0])
            if "event_id" in mapper.columns:
                query = query.where(mapper.columns["event_id"] == event_a.id)
            found = db.session.scalar(query.limit(1))
            if found is not None:
                world.ids[model] = found
        db.session.commit()
        db.session.remove()
        return world


def _programme_item(event, room, area):
    from forum.programme.models import ProgrammeItem, ProgrammeItemKind

    item = ProgrammeItem(
        event=event,
        title="Workshop: Vatten",
        kind=ProgrammeItemKind.WORKSHOP,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        room=room,
        focus_areas=[area],
        requires_signup=True,
        capacity=20,
    )
    db.session.add(item)
    db.session.flush()


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def model_for(argument: str):
    """user_id → User, area_id → FocusArea, org_id → Organisation, role_id → EventRole, …"""
    stem = argument.removesuffix("_id")
    models = [mapper.class_ for mapper in db.Model.registry.mappers]
    for matches in (
        lambda snake: snake == stem,
        lambda snake: snake.endswith("_" + stem),
        lambda snake: snake.startswith(stem),
    ):
        found = [model for model in models if matches(_snake(model.__name__))]
        if len(found) == 1:
            return found[0]
    return None


def url_for_rule(rule: Rule, world: World) -> str:
    values = {}
    for name in rule.arguments:
        if name in (rule.defaults or {}):
            continue
        converter = rule._converters.get(name)
        if isinstance(converter, IntegerConverter):
            model = model_for(name)
            values[name] = world.ids.get(model, 1)
        elif name == "slug":
            values[name] = world.slug
        elif name == "code":
            values[name] = "sv"
        elif hasattr(converter, "items"):  # <any(a, b):name>
            values[name] = sorted(converter.items)[0]
        elif type(converter).__name__ == "UUIDConverter":
            values[name] = "00000000-0000-4000-8000-000000000000"
        else:  # token and any other text
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


# --- requests ------------------------------------------------------------------------------------


def client_for(app, world: World, user: str):
    client = app.test_client()
    if user != ANONYMOUS:
        with client.session_transaction() as session:
            session["_user_id"] = world.identities[user]
            session["_fresh"] = True
    return client


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303, 307, 308) and urlsplit(location).path.startswith("/admin/login"):
        return LOGIN
    if response.status_code == 403:
        return DENY
    if response.status_code >= 500:
        return f"error {response.status_code}"
    return PASS


@dataclass(frozen=True)
class Failure:
    method: str
    url: str
    endpoint: str
    permission: str
    user: str
    expected: str
    got: str

    def row(self) -> str:
        return (
            f"{self.method:6} {self.url:55} {self.endpoint:35} {self.permission:14} "
            f"{self.user:12} {self.expected:6} {self.got}"
        )


def check_rule(app, rule: Rule, permission: Permission) -> list[Failure]:
    world = build_world(app)
    url = url_for_rule(rule, world)
    clients = {user: client_for(app, world, user) for user in USERS}
    failures = []
    # GETs first (they read), then the methods that may change state, least powerful user first.
    for method in [m for m in METHODS if m in rule.methods]:
        for user in USERS:
            expected = EXPECTED[permission][user]
            try:
                got = outcome(clients[user].open(url, method=method))
            except Exception as error:  # a crash on an empty or odd request is a failure too
                got = f"exception {type(error).__name__}: {error}"[:200]
            if got != expected:
                failures.append(Failure(method, url, rule.endpoint, permission.value, user, expected, got))
    return failures


def app_rules(app) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"), key=lambda r: r.rule)


# --- the tests -----------------------------------------------------------------------------------


def test_every_route_declares_a_permission(routes_app):
    undeclared = sorted(
        f"{rule.rule} ({rule.endpoint})"
        for rule in app_rules(routes_app)
        if declared_permission(routes_app.view_functions[rule.endpoint]) is None
    )
    assert not undeclared, "routes without @requires(Permission.…):\n" + "\n".join(undeclared)


def test_every_permission_has_an_expectation():
    assert set(EXPECTED) == set(Permission), "add the new permission to EXPECTED"


def test_every_route_for_every_kind_of_user(routes_app):
    failures: list[Failure] = []
    checked = 0
    for rule in app_rules(routes_app):
        permission = declared_permission(routes_app.view_functions[rule.endpoint])
        if permission is None or permission not in EXPECTED:
            continue  # reported by the two tests above
        failures += check_rule(routes_app, rule, permission)
        checked += 1
    assert checked >= 10, "the URL map looks empty"
    if failures:
        header = f"{'method':6} {'url':55} {'endpoint':35} {'permission':14} {'user':12} {'wanted':6} got"
        table = "\n".join([header, *(failure.row() for failure in failures)])
        print(table)
        pytest.fail(f"{len(failures)} access check(s) failed:\n{table}", pytrace=False)


def test_the_check_can_fail(routes_app):
    """A route declared PUBLIC but checked as ADMIN must show up as a failure for everyone but the admin."""
    rule = next(rule for rule in app_rules(routes_app) if rule.endpoint == "events.index")
    failures = check_rule(routes_app, rule, Permission.ADMIN)
    assert {(failure.user, failure.got) for failure in failures} == {
        (ANONYMOUS, PASS),
        (CHECKIN_A, PASS),
        (ORGANISER_B, PASS),
        (ORGANISER_A, PASS),
        (OWNER_A, PASS),
    }


def test_url_arguments_map_to_the_right_models(routes_app):
    from forum.events.models import FocusArea, Organisation, Room
    from forum.programme.models import ProgrammeItem

    with routes_app.app_context():
        assert model_for("user_id") is User
        assert model_for("area_id") is FocusArea
        assert model_for("room_id") is Room
        assert model_for("org_id") is Organisation
        assert model_for("organisation_id") is Organisation
        assert model_for("role_id") is EventRole
        assert model_for("item_id") is ProgrammeItem
