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

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from forum import tokens
from forum.auth.models import User
from forum.badges import services as badges
from forum.badges.models import BadgeCode, BadgeStatus
from forum.checkin.models import CheckIn, Device
from forum.db import utcnow
from forum.events.models import Event
from forum.extensions import db
from forum.privacy import audit
from forum.registration.models import Registration, RegistrationStatus
from forum.registration.services import lock_event

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

audit.register_labels(
    {
        "badge.reissued": _l("Badgekoden spärrades och en ny utfärdades"),
        "checkin.undone": _l("En incheckning ångrades"),
        "checkin.device_created": _l("En skanningsenhet skapades"),
        "checkin.device_revoked": _l("En skanningsenhet spärrades"),
    }
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
    raw = normalised or (code.strip()[:MAX_CODE_INPUT] if isinstance(code, str) else "")
    lock_event(event)
    recorded = _recorded(event, client_scan_id)
    if recorded is not None:
        return recorded
    badge = db.session.scalar(select(BadgeCode).where(BadgeCode.code == normalised)) if normalised else None
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
        return _record(REVOKED, badge.registration, **common)
    return _admit(badge.registration, **common)


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
    lock_event(event)
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
    checkin = CheckIn(
        event_id=event.id,
        registration=registration,
        code=code,
        result=result,
        entrance=(entrance or "")[:100],
        scanned_at=_scanned_at(scanned_at),
        recorded_at=utcnow(),
        client_scan_id=client_scan_id or None,
        device=device,
        user_id=getattr(user, "id", None),
    )
    db.session.add(checkin)
    db.session.flush()
    return ScanOutcome(result, checkin, registration, earlier)


def _scanned_at(scanned_at: datetime | None) -> datetime:
    now = utcnow()
    if scanned_at is None or scanned_at.tzinfo is None:
        return now
    return min(scanned_at, now)


def _recorded(event: Event, client_scan_id: str | None) -> ScanOutcome | None:
    """The outcome recorded for this client scan id, if the scan was recorded before (a retry)."""
    if not client_scan_id:
        return None
    checkin = db.session.scalar(select(CheckIn).where(CheckIn.client_scan_id == client_scan_id))
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
    return db.session.scalar(
        select(CheckIn).where(
            CheckIn.registration_id == registration.id, CheckIn.result == OK, CheckIn.undone_at.is_(None)
        )
    )


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
    return {
        "id": registration.id,
        "name": registration.name,
        "organisation": registration.organisation,
        "status": registration.status.value,
        "accessibility": registration.accessibility if registration.health_consent_at else "",
    }


def counts(event: Event) -> dict:
    """{"checked_in": n, "expected": confirmed registrations, "entrances": {entrance: n}}."""
    rows = db.session.execute(
        select(CheckIn.entrance, func.count())
        .where(CheckIn.event_id == event.id, CheckIn.result == OK, CheckIn.undone_at.is_(None))
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
    {"code", "name", "organisation", "status", "checked_in_at"}, where status is the registration's
    status, "checked_in", or "revoked". With `since`, only rows changed after it. No health data.

    Registrations deleted meanwhile are not reported by a `since` request (fetch the whole list now and then).
    """
    badge_rows = db.session.execute(
        select(BadgeCode, Registration)
        .join(Registration, Registration.id == BadgeCode.registration_id)
        .where(BadgeCode.event_id == event.id)
        .order_by(BadgeCode.id)
    ).all()
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
