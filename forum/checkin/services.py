"""Check-in at the door: the one scan function, undo, counts, search, the offline list, devices.

Results of a scan (CheckIn.result, and the API's "result"):
  ok                  admitted now
  already_checked_in  the registration was already admitted (the earlier check-in is given)
  waiting_list        the registration is on the waiting list: not admitted
  cancelled           the registration was cancelled: not admitted
  declined            the organisers declined the registration: not admitted
  pending             the registration waits for the organisers' approval: not admitted
  revoked             an old badge whose code was revoked (a new one was issued)
  unknown             no such code (or input that cannot be a code)
  wrong_event         another event's badge (its person is not shown)

Every scan is recorded, refusals too. A scan with a client_scan_id that was recorded before returns
the recorded outcome and records nothing. Scans of an event are serialised with the registration's
lock (lock_event); the partial unique index on checkins (one ok, not undone, per registration) is the
backstop. Offline devices sync later: of two ok scans of one badge, the one scanned earliest counts,
the other is kept as already_checked_in.

Services flush; the caller commits.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, bindparam, case, exists, func, insert, null, or_, select, update
from sqlalchemy.exc import IntegrityError

from forum import tokens
from forum.auth.models import EventRole, User
from forum.badges import pdf as badge_pdf
from forum.badges import services as badges
from forum.badges.models import BadgeCode, BadgeStatus
from forum.checkin.models import CheckIn, Device, sql_literal
from forum.checkin.models import admitted as admitted_clause
from forum.db import UTCDateTime, utcnow
from forum.dbapi import DriverConnection, Prepared, driver_connection
from forum.events.models import Event
from forum.extensions import db
from forum.privacy import audit
from forum.programme.models import Speaker
from forum.registration.models import Registration, RegistrationStatus
from forum.registration.services import lock_event

logger = logging.getLogger(__name__)

OK = "ok"
ALREADY = "already_checked_in"
WAITING = "waiting_list"
CANCELLED = "cancelled"
DECLINED = "declined"
PENDING = "pending"
REVOKED = "revoked"
UNKNOWN = "unknown"
WRONG_EVENT = "wrong_event"
RESULTS = (OK, ALREADY, WAITING, CANCELLED, DECLINED, PENDING, REVOKED, UNKNOWN, WRONG_EVENT)

REFUSED_BY_STATUS = {
    RegistrationStatus.WAITING: WAITING,
    RegistrationStatus.CANCELLED: CANCELLED,
    RegistrationStatus.DECLINED: DECLINED,
    RegistrationStatus.PENDING: PENDING,
}

# A device clock ahead of the server's must not make a scan look later than it was (nor win the
# earliest-scan rule from the future): scanned_at is never after the moment the server records it.
MAX_CODE_INPUT = 64
DEVICE_TOKEN_PURPOSE = "device"  # noqa: S105 - a forum.tokens purpose, not a secret
LAST_SEEN_PRECISION = timedelta(minutes=1)

audit.register_labels(
    {
        "badge.reissued": _l("Badgekoden spärrades och en ny utfärdades"),
        "checkin.undone": _l("En incheckning ångrades"),
        "checkin.device_created": _l("En skanningsenhet skapades"),
        "checkin.device_revoked": _l("En skanningsenhet spärrades"),
    }
)


# The scan's queries, built once: building a statement costs more than SQLite takes to run it, and a
# scan is a few of them (bench/checkin.py).
_BADGE_BY_CODE = (
    select(BadgeCode, Registration)
    .join(Registration, Registration.id == BadgeCode.registration_id)
    .where(BadgeCode.code == bindparam("code"))
)
_CHECKIN_BY_CLIENT_SCAN_ID = select(CheckIn).where(CheckIn.client_scan_id == bindparam("client_scan_id"))
_ADMITTED = select(CheckIn).where(CheckIn.registration_id == bindparam("registration_id"), admitted_clause())
_DEVICE_BY_TOKEN = (
    select(Device, Event)
    .join(Event, Event.id == Device.event_id)
    .where(Device.token_hash == bindparam("token_hash"), Device.revoked_at.is_(None))
)


@dataclass(frozen=True)
class ScanOutcome:
    result: str
    checkin: CheckIn
    registration: Registration | None = None
    # For already_checked_in: the check-in that counts.
    earlier: CheckIn | None = None
    # True when the outcome was recorded before (a retried scan).
    repeated: bool = False

    @property
    def checked_in_at(self) -> datetime | None:
        if self.result == OK:
            return self.checkin.scanned_at
        if self.earlier is not None:
            return self.earlier.scanned_at
        return None


# --- scanning ----------------------------------------------------------------------------------


def scan(
    event: Event,
    code: str | None,
    *,
    entrance: str = "",
    scanned_at: datetime | None = None,
    client_scan_id: str | None = None,
    device: Device | None = None,
    user=None,
) -> ScanOutcome:
    """Check in the holder of a scanned badge code; records the scan whatever its result."""
    normalised = badges.normalise(code)
    raw = _recorded_code(code, normalised)
    _serialise(event)
    recorded = _recorded(event, client_scan_id)
    if recorded is not None:
        return recorded
    found = None
    if normalised:
        # The badge and its registration in one query (the door's hot path).
        found = db.session.execute(_BADGE_BY_CODE, {"code": normalised}).first()
    badge, registration = found if found is not None else (None, None)
    common = {
        "event": event,
        "code": raw,
        "entrance": entrance,
        "scanned_at": scanned_at,
        "client_scan_id": client_scan_id,
        "device": device,
        "user": user,
    }
    if badge is None:
        return _record(UNKNOWN, None, **common)
    if badge.event_id != event.id:
        return _record(WRONG_EVENT, None, **common)
    if badge.status == BadgeStatus.REVOKED:
        return _record(REVOKED, registration, **common)
    return _admit(registration, **common)


def checkin_registration(
    event: Event,
    registration: Registration,
    *,
    entrance: str = "",
    scanned_at: datetime | None = None,
    client_scan_id: str | None = None,
    device: Device | None = None,
    user=None,
) -> ScanOutcome:
    """One-tap check-in from search (a forgotten badge): the same as scanning the person's code."""
    _serialise(event)
    recorded = _recorded(event, client_scan_id)
    if recorded is not None:
        return recorded
    common = {
        "event": event,
        "code": badges.code_for(registration) or "",
        "entrance": entrance,
        "scanned_at": scanned_at,
        "client_scan_id": client_scan_id,
        "device": device,
        "user": user,
    }
    if registration.event_id != event.id:
        return _record(WRONG_EVENT, None, **common)
    return _admit(registration, **common)


def _serialise(event: Event) -> None:
    """Serialise the event's scans until the transaction ends. PostgreSQL: the event's row lock
    (lock_event). SQLite: a transaction that may write begins IMMEDIATE (forum.db) and so already holds
    the database's one write lock; lock_event would only re-read the event, a query per scan."""
    if db.session.get_bind().dialect.name == "postgresql":
        lock_event(event)


def _admit(registration: Registration, **common) -> ScanOutcome:
    refusal = REFUSED_BY_STATUS.get(registration.status)
    if refusal is not None:
        return _record(refusal, registration, **common)
    scanned_at = _scanned_at(common["scanned_at"])
    current = admitted(registration)
    if current is not None and current.scanned_at <= scanned_at:
        return _record(ALREADY, registration, earlier=current, **common)
    try:
        with db.session.begin_nested():
            if current is not None:
                # An offline scan synced late but scanned earlier: it is the check-in; the other is kept,
                # as a repeat.
                current.result = ALREADY
                db.session.flush()
            return _record(OK, registration, **common)
    except IntegrityError:
        # Another transaction admitted the registration at the same moment (the lock prevents it; the
        # partial unique index is the backstop). The savepoint's changes are gone.
        current = admitted(registration)
        return _record(ALREADY, registration, earlier=current, **common)


def _record(result, registration, *, event, code, entrance, scanned_at, client_scan_id, device, user, earlier=None):
    # Foreign keys rather than relationships: the flush (a scan's costliest step) then has no
    # relationships to work through; checkin.registration and .device still load from the session.
    checkin = CheckIn(
        event_id=event.id,
        registration_id=getattr(registration, "id", None),
        code=code,
        result=result,
        entrance=(entrance or "")[:100],
        scanned_at=_scanned_at(scanned_at),
        recorded_at=utcnow(),
        client_scan_id=client_scan_id or None,
        device_id=getattr(device, "id", None),
        user_id=getattr(user, "id", None),
    )
    db.session.add(checkin)
    db.session.flush()
    return ScanOutcome(result, checkin, registration, earlier)


def _recorded_code(code, normalised: str | None) -> str:
    """The code as the check-in keeps it: the normalised code, else what was scanned, cut short."""
    return normalised or (code.strip()[:MAX_CODE_INPUT] if isinstance(code, str) else "")


def _scanned_at(scanned_at: datetime | None, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    if scanned_at is None or scanned_at.tzinfo is None:
        return now
    return min(scanned_at, now)


def _recorded(event: Event, client_scan_id: str | None) -> ScanOutcome | None:
    """The outcome recorded for this client scan id, if the scan was recorded before (a retry)."""
    if not client_scan_id:
        return None
    checkin = db.session.scalar(_CHECKIN_BY_CLIENT_SCAN_ID, {"client_scan_id": client_scan_id})
    if checkin is None:
        return None
    if checkin.event_id != event.id:
        # Another event's scan id (devices make them random, so this is a misbehaving client): refused.
        raise ValueError("client_scan_id belongs to another event's scan")
    earlier = None
    if checkin.result == ALREADY and checkin.registration is not None:
        earlier = admitted(checkin.registration)
    return ScanOutcome(checkin.result, checkin, checkin.registration, earlier, repeated=True)


def admitted(registration: Registration) -> CheckIn | None:
    """The check-in that counts for this registration (ok and not undone), if any."""
    return db.session.scalar(_ADMITTED, {"registration_id": registration.id})


def undo(checkin: CheckIn, by=None, *, device: Device | None = None) -> bool:
    """Undo a mistaken check-in (an ok scan); the scan stays in the log. False when there is nothing to undo."""
    if checkin.result != OK or checkin.undone_at is not None:
        return False
    checkin.undone_at = utcnow()
    audit.record(
        "checkin.undone",
        user=by,
        event=db.session.get(Event, checkin.event_id),
        target=checkin.registration,
        checkin=checkin.id,
        device=device.name if device else None,
    )
    db.session.flush()
    return True


# --- the API's hot path ------------------------------------------------------------------------
# The same scan as scan() above, for the API (a device's every scan), in SQLAlchemy Core compiled once
# and run on the driver's connection (forum.dbapi). One query reads the device by its token with its
# event, the badge, its registration and the check-in that counts, and works out the scan's result in
# SQL (_result: scan()'s rules, for the case with no lock and no retry). On PostgreSQL the same
# statement records the scan (a CTE with the INSERT): one round trip. On SQLite, in process, the INSERT
# follows as a statement of its own, in the writers' lock only while it writes.
#
# No ORM objects, no unit of work, no lock: a scan racing another of the same badge (or a retry racing
# its first try) meets the unique indexes on check-ins and goes to scan(), which locks the event; so
# do a retried client_scan_id and an offline scan earlier than the check-in that counts (_result is
# NULL for those: nothing is recorded here).

_devices = Device.__table__
_events = Event.__table__
_badges = BadgeCode.__table__
_registrations = Registration.__table__
_checkins = CheckIn.__table__
_users = User.__table__
_event_roles = EventRole.__table__
_speakers = Speaker.__table__


def _result(recorded, admitted_checkin):
    """SQL: the result scan() gives (see the module's text), or NULL when the scan is scan()'s to
    answer: a client_scan_id recorded before, or a scan earlier than the check-in that counts."""
    return case(
        (recorded.is_not(None), null()),
        (_badges.c.event_id.is_(None), sql_literal(UNKNOWN)),
        (_badges.c.event_id != _devices.c.event_id, sql_literal(WRONG_EVENT)),
        (_badges.c.status == sql_literal(BadgeStatus.REVOKED.value), sql_literal(REVOKED)),
        *(
            (_registrations.c.status == sql_literal(status.value), sql_literal(refusal))
            for status, refusal in REFUSED_BY_STATUS.items()
        ),
        (admitted_checkin.c.id.is_(None), sql_literal(OK)),
        (admitted_checkin.c.scanned_at <= bindparam("moment", type_=UTCDateTime()), sql_literal(ALREADY)),
        else_=null(),
    )


def _scan_row_statement():
    admitted_checkin = _checkins.alias("admitted")
    admitted_user = _users.alias("admitted_user")
    admitted_device = _devices.alias("admitted_device")
    recorded = select(_checkins.c.id).where(_checkins.c.client_scan_id == bindparam("client_scan_id")).scalar_subquery()
    is_speaker = exists().where(
        _speakers.c.event_id == _registrations.c.event_id, _speakers.c.email_key == _registrations.c.email_key
    )
    # On the event's team: its users' e-mails are kept lower-cased (forum.auth.services.normalise_email).
    is_organiser = exists().where(
        _event_roles.c.event_id == _registrations.c.event_id,
        _users.c.id == _event_roles.c.user_id,
        func.lower(func.trim(_users.c.email)) == _registrations.c.email_key,
    )
    return (
        select(
            _devices.c.id.label("device_id"),
            _devices.c.last_seen_at.label("device_last_seen_at"),
            _events.c.id.label("event_id"),
            _events.c.slug.label("event_slug"),
            _result(recorded, admitted_checkin).label("result"),
            # The badge's registration when the badge is of the device's event; NULL for another event's.
            case((_badges.c.event_id == _devices.c.event_id, _registrations.c.id)).label("registration_id"),
            _registrations.c.status,
            _registrations.c.first_name,
            _registrations.c.last_name,
            _registrations.c.organisation,
            _registrations.c.badge_role,
            _registrations.c.email_key,
            _registrations.c.accessibility,
            _registrations.c.health_consent_at,
            is_speaker.label("is_speaker"),
            is_organiser.label("is_organiser"),
            admitted_checkin.c.id.label("admitted_id"),
            admitted_checkin.c.scanned_at.label("admitted_at"),
            admitted_checkin.c.entrance.label("admitted_entrance"),
            admitted_user.c.name.label("admitted_by"),
            admitted_device.c.name.label("admitted_device"),
        )
        .select_from(_devices)
        .join(_events, _events.c.id == _devices.c.event_id)
        .outerjoin(_badges, _badges.c.code == bindparam("code"))
        .outerjoin(_registrations, _registrations.c.id == _badges.c.registration_id)
        .outerjoin(
            admitted_checkin,
            and_(
                admitted_checkin.c.registration_id == _registrations.c.id,
                admitted_clause(admitted_checkin),
            ),
        )
        .outerjoin(admitted_user, admitted_user.c.id == admitted_checkin.c.user_id)
        .outerjoin(admitted_device, admitted_device.c.id == admitted_checkin.c.device_id)
        .where(_devices.c.token_hash == bindparam("token_hash"), _devices.c.revoked_at.is_(None))
    )


# The INSERT's values besides the row's: given at execution (bindparam) by these names.
_RECORDED_VALUES = {
    "code": bindparam("recorded_code", type_=String()),
    "entrance": bindparam("entrance", type_=String()),
    "scanned_at": bindparam("moment", type_=UTCDateTime()),
    "recorded_at": bindparam("now", type_=UTCDateTime()),
    "client_scan_id": bindparam("client_scan_id", type_=String()),
}


def _recorded_values(scan) -> dict:
    """The check-in's columns, from a _scan_row_statement() row (`scan`: its columns) and the values given."""
    return {
        "event_id": scan.event_id,
        "registration_id": scan.registration_id,
        "result": scan.result,
        "device_id": scan.device_id,
        **_RECORDED_VALUES,
    }


def _scan_and_record_statement():
    """PostgreSQL: the scan's row, recorded in the same statement when it has a result and the device's
    event is the one in the URL; the row's checkin_id is the new check-in's (NULL when not recorded)."""
    scan = _scan_row_statement().cte("scan")
    values = _recorded_values(scan.c)
    recorded = (
        insert(_checkins)
        .from_select(
            list(values),
            select(*values.values()).where(scan.c.result.is_not(None), scan.c.event_slug == bindparam("slug")),
        )
        .returning(_checkins.c.id)
        .cte("recorded")
    )
    return select(scan, select(recorded.c.id).scalar_subquery().label("checkin_id"))


_SCAN_ROW = Prepared(_scan_row_statement())
_SCAN_AND_RECORD = Prepared(_scan_and_record_statement())
_INSERT_CHECKIN = Prepared(
    insert(_checkins)
    .values(
        event_id=bindparam("event_id"),
        registration_id=bindparam("registration_id"),
        result=bindparam("result"),
        device_id=bindparam("device_id"),
        **_RECORDED_VALUES,
    )
    .returning(_checkins.c.id)
)
_DEVICE_SEEN = Prepared(update(_devices).where(_devices.c.id == bindparam("device_id")), columns=["last_seen_at"])


def door_connection():
    """The connection door_scan() runs on (forum.dbapi.driver_connection): a connection of its own, so on
    SQLite use it before the request's session has written anything (the session would hold the write
    lock that door_scan() then waits for, until the lock's timeout)."""
    return driver_connection(db.engine)


@dataclass(frozen=True)
class DoorScan:
    """A device's scan as the API gives it (forum.api.views.scan_fields)."""

    code: str | None
    entrance: str = ""
    client_scan_id: str | None = None
    scanned_at: datetime | None = None


def door_scan(door: DriverConnection, token: str | None, slug: str, scan: DoorScan | None, language: str):
    """scan() by the device with this token, of the event `slug`, in Core (see above). Returns (row,
    answer). row: the device's row (device_id, event_id, event_slug, …), None when the token is unknown
    or revoked. answer: None when nothing was recorded (no scan given, another event's device, or a scan
    for scan() to answer); else the API's dict (result, checkin_id, registration = person(),
    checked_in_at, earlier = describe(), repeated), the role in `language`, recorded (committed), and
    the device noted as seen() (SQLite: in the same write; PostgreSQL: after it, and never raising, so
    that nothing after the scan's write can make a recorded scan look unrecorded to the caller)."""
    if not token or not tokens.plausible(token):
        return None, None
    if scan is None:
        parameters = {"token_hash": tokens.hash_token(token), "code": None, "client_scan_id": None, "moment": utcnow()}
        return _SCAN_ROW.first(door, parameters), None
    now = utcnow()
    moment = _scanned_at(scan.scanned_at, now)
    normalised = badges.normalise(scan.code)
    parameters = {
        "token_hash": tokens.hash_token(token),
        "code": normalised,
        "client_scan_id": scan.client_scan_id or None,
        "moment": moment,
        "slug": slug,
        "recorded_code": _recorded_code(scan.code, normalised),
        "entrance": (scan.entrance or "")[:100],
        "now": now,
    }
    row, checkin_id = record_at_door(door, parameters)
    if checkin_id is None:
        return row, None
    return row, _door_answer(row, checkin_id, moment, language)


def record_at_door(door: DriverConnection, parameters: dict):
    """(row, checkin_id) of door_scan(): the check-in recorded, and the device seen, when the row has a
    result and its event is `slug`; checkin_id None when nothing was recorded (also when a unique index
    refused it: another scan admitted the registration, or recorded the client_scan_id, since the row
    was read)."""
    row = None
    try:
        if door.dialect.name == "postgresql":
            row = _SCAN_AND_RECORD.first(door, parameters)
            checkin_id = row.checkin_id if row is not None else None
            if checkin_id is not None and _seen_is_due(row.device_last_seen_at, parameters["now"]):
                _seen_after_recording(door, row.device_id, parameters["now"])
            return row, checkin_id
        row = _SCAN_ROW.first(door, parameters)
        if row is None or row.result is None or row.event_slug != parameters["slug"]:
            return row, None
        with door.writing():
            values = parameters | {
                "event_id": row.event_id,
                "registration_id": row.registration_id,
                "result": row.result,
                "device_id": row.device_id,
            }
            checkin_id = _INSERT_CHECKIN.first(door, values)[0]
            if _seen_is_due(row.device_last_seen_at, parameters["now"]):
                _DEVICE_SEEN.execute(door, {"device_id": row.device_id, "last_seen_at": parameters["now"]}).close()
            return row, checkin_id
    except door.integrity_error:
        # SQLite: the row read before the INSERT; PostgreSQL: the statement failed as a whole, read again.
        return (row if row is not None else _SCAN_ROW.first(door, parameters)), None


def _seen_after_recording(door: DriverConnection, device_id: int, now: datetime) -> None:
    """PostgreSQL: seen() as a statement of its own, after the scan's statement committed (in that
    statement it would cost every scan a tenth more of the database's work, for a write made once a
    minute). The scan is recorded whatever happens here, so a failure is logged, not raised: raised,
    it would send the scan to the view, to be recorded again."""
    try:
        _DEVICE_SEEN.execute(door, {"device_id": device_id, "last_seen_at": now}).close()
    except door.dialect.loaded_dbapi.Error:
        logger.warning("A device's last-seen time was not saved.", exc_info=True)


def _door_answer(row, checkin_id: int, moment: datetime, language: str) -> dict:
    earlier = None
    if row.result == ALREADY:
        earlier = {
            "id": row.admitted_id,
            "at": row.admitted_at,
            "entrance": row.admitted_entrance,
            "by": row.admitted_by,
            "device": row.admitted_device,
        }
    return {
        "result": row.result,
        "checkin_id": checkin_id,
        "registration": _person_from_row(row, language) if row.registration_id is not None else None,
        "checked_in_at": moment if row.result == OK else earlier["at"] if earlier is not None else None,
        "earlier": earlier,
        "repeated": False,
    }


def _person_from_row(row, language: str) -> dict:
    """person() from a _SCAN_ROW row."""
    if row.badge_role is not None:
        role = row.badge_role.value
    elif row.is_speaker:
        role = "speaker"
    elif row.is_organiser:
        role = "organiser"
    else:
        role = "participant"
    return {
        "id": row.registration_id,
        "name": f"{row.first_name} {row.last_name}".strip(),
        "organisation": row.organisation,
        "status": row.status.value,
        "role": role,
        "role_label": role_label(role, language),
        "accessibility": row.accessibility if row.health_consent_at else "",
    }


@functools.cache
def role_label(role: str, language: str) -> str:
    """badge_pdf.role_label(role) in `language`, kept: translating costs more than the rest of a scan's answer."""
    with force_locale(language):
        return badge_pdf.role_label(role)


# --- what the door sees ------------------------------------------------------------------------


def describe(checkin: CheckIn | None) -> dict | None:
    """When, where and by whom (user or device) a check-in was made."""
    if checkin is None:
        return None
    user = db.session.get(User, checkin.user_id) if checkin.user_id else None
    return {
        "id": checkin.id,
        "at": checkin.scanned_at,
        "entrance": checkin.entrance,
        "by": user.name if user else None,
        "device": checkin.device.name if checkin.device else None,
    }


def person(registration: Registration | None) -> dict | None:
    """What the door is shown of a registration (accessibility notes are for the organisers at the door)."""
    if registration is None:
        return None
    role = badge_pdf.role_of(registration)
    return {
        "id": registration.id,
        "name": registration.name,
        "organisation": registration.organisation,
        "status": registration.status.value,
        # The role on the badge's band (forum.registration.models.BadgeRole), and in words.
        "role": role,
        "role_label": badge_pdf.role_label(role),
        "accessibility": registration.accessibility if registration.health_consent_at else "",
    }


def counts(event: Event) -> dict:
    """{"checked_in": n, "expected": confirmed registrations, "entrances": {entrance: n}}."""
    rows = db.session.execute(
        select(CheckIn.entrance, func.count())
        .where(CheckIn.event_id == event.id, admitted_clause())
        .group_by(CheckIn.entrance)
    ).all()
    expected = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
    )
    entrances = {entrance: int(n) for entrance, n in rows}
    return {"checked_in": sum(entrances.values()), "expected": expected or 0, "entrances": entrances}


@dataclass(frozen=True)
class Hit:
    registration: Registration
    checkin: CheckIn | None


def search(event: Event, query: str, limit: int = 20) -> list[Hit]:
    """Registrations of the event whose name or organisation contains every word of the query."""
    words = [word for word in (query or "").split() if word][:5]
    if not words:
        return []
    statement = select(Registration).where(Registration.event_id == event.id)
    for word in words:
        pattern = "%" + _escape_like(word) + "%"
        statement = statement.where(
            or_(
                Registration.first_name.ilike(pattern, escape="\\"),
                Registration.last_name.ilike(pattern, escape="\\"),
                Registration.organisation.ilike(pattern, escape="\\"),
            )
        )
    registrations = db.session.scalars(
        statement.order_by(Registration.last_name, Registration.first_name).limit(limit)
    ).all()
    return [Hit(registration, admitted(registration)) for registration in registrations]


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def checkin_list(event: Event, since: datetime | None = None) -> list[dict]:
    """The offline copy: one row per badge code of the event (revoked codes too, to answer "revoked"),
    {"code", "name", "organisation", "role", "status", "checked_in_at"}, where status is the registration's
    status, "checked_in", or "revoked", and role the badge's (a BadgeRole value). With `since`, only rows
    changed after it. No health data.

    Registrations deleted meanwhile are not reported by a `since` request (fetch the whole list now and then).
    """
    badge_rows = db.session.execute(
        select(BadgeCode, Registration)
        .join(Registration, Registration.id == BadgeCode.registration_id)
        .where(BadgeCode.event_id == event.id)
        .order_by(BadgeCode.id)
    ).all()
    role_of = badge_pdf.roles([registration for _badge, registration in badge_rows])
    checkins = {}
    changed = {}
    for checkin in db.session.scalars(select(CheckIn).where(CheckIn.event_id == event.id)):
        if checkin.registration_id is None:
            continue
        moments = [checkin.recorded_at, checkin.undone_at]
        latest = max(moment for moment in moments if moment is not None)
        changed[checkin.registration_id] = max(changed.get(checkin.registration_id, latest), latest)
        if checkin.result == OK and checkin.undone_at is None:
            checkins[checkin.registration_id] = checkin
    rows = []
    for badge, registration in badge_rows:
        moments = [badge.created_at, badge.revoked_at, registration.updated_at, changed.get(registration.id)]
        changed_at = max(moment for moment in moments if moment is not None)
        if since is not None and changed_at <= since:
            continue
        checkin = checkins.get(registration.id)
        if badge.status == BadgeStatus.REVOKED:
            status = REVOKED
        elif checkin is not None:
            status = "checked_in"
        else:
            status = registration.status.value
        rows.append(
            {
                "code": badge.code,
                "name": registration.name,
                "organisation": registration.organisation,
                "role": role_of[registration.id],
                "status": status,
                "checked_in_at": checkin.scanned_at if checkin is not None and status != REVOKED else None,
                "changed_at": changed_at,
            }
        )
    return rows


# --- devices -----------------------------------------------------------------------------------


def create_device(event: Event, name: str, by=None) -> tuple[Device, str]:
    """A scanning device with its own token (shown once). Audited."""
    device = Device(event_id=event.id, name=(name or "").strip()[:100], created_by=getattr(by, "id", None))
    token = tokens.assign(DEVICE_TOKEN_PURPOSE, device)
    db.session.add(device)
    db.session.flush()
    audit.record("checkin.device_created", user=by, event=event, target=device, name=device.name)
    return device, token


def find_device_with_event(token: str | None) -> tuple[Device, Event] | None:
    """The device with this token (unless revoked) and its event, in one query (the API's every request)."""
    if not token or not tokens.plausible(token):
        return None
    found = db.session.execute(_DEVICE_BY_TOKEN, {"token_hash": tokens.hash_token(token)}).first()
    return (found[0], found[1]) if found is not None else None


def seen(device: Device, now: datetime | None = None) -> None:
    """Note that the device is in use; to the minute, so that not every scan writes the device's row."""
    now = now or utcnow()
    if _seen_is_due(device.last_seen_at, now):
        device.last_seen_at = now


def _seen_is_due(last_seen_at: datetime | None, now: datetime) -> bool:
    return last_seen_at is None or now - last_seen_at >= LAST_SEEN_PRECISION


def find_device(token: str | None) -> Device | None:
    """The device with this token, unless it was revoked."""
    if not token or not tokens.plausible(token):
        return None
    return db.session.scalar(
        select(Device).where(Device.token_hash == tokens.hash_token(token), Device.revoked_at.is_(None))
    )


def revoke_device(device: Device, by=None) -> None:
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        audit.record(
            "checkin.device_revoked",
            user=by,
            event=db.session.get(Event, device.event_id),
            target=device,
            name=device.name,
        )
        db.session.flush()


def devices(event: Event) -> list[Device]:
    return list(db.session.scalars(select(Device).where(Device.event_id == event.id).order_by(Device.id)))
