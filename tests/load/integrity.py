"""What the database must hold after a rush, whatever happened to the server meanwhile, and the
gunicorn worker processes to kill. Shared by tests/load and bench/ (they pass their own engine)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from forum.mail.models import OutboxMessage
from forum.registration.models import Answer, Registration, WorkshopSignup


def stored(engine: Engine, event_id: int) -> dict:
    """The event's registrations by e-mail, with their status and how many signups, answers and
    e-mails each has; and the rows of those kinds that belong to no registration."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Registration.id, Registration.email, Registration.status).where(Registration.event_id == event_id)
        ).all()
        ids = [row.id for row in rows]
        signups = Counter(
            connection.scalars(
                select(WorkshopSignup.registration_id).where(WorkshopSignup.registration_id.in_(ids))
            ).all()
        )
        answers = Counter(
            connection.scalars(select(Answer.registration_id).where(Answer.registration_id.in_(ids))).all()
        )
        mails = Counter(
            connection.scalars(select(OutboxMessage.recipient).where(OutboxMessage.event_id == event_id)).all()
        )
        orphans = {
            "signups": connection.scalar(
                select(func.count())
                .select_from(WorkshopSignup)
                .where(~WorkshopSignup.registration_id.in_(select(Registration.id)))
            ),
            "answers": connection.scalar(
                select(func.count()).select_from(Answer).where(~Answer.registration_id.in_(select(Registration.id)))
            ),
            "mails": sum(count for recipient, count in mails.items() if recipient not in {r.email for r in rows}),
        }
    return {
        "registrations": {
            row.email: {
                "status": str(row.status),
                "signups": signups.get(row.id, 0),
                "answers": answers.get(row.id, 0),
                "mails": mails.get(row.email, 0),
            }
            for row in rows
        },
        "orphans": orphans,
    }


def status_counts(state: dict) -> dict[str, int]:
    return dict(Counter(entry["status"] for entry in state["registrations"].values()))


def partial_registrations(state: dict, signups: int, answers: int) -> dict:
    """Registrations missing part of what one registration writes in its one transaction."""
    expected = {"signups": signups, "answers": answers, "mails": 1}
    return {
        email: entry
        for email, entry in state["registrations"].items()
        if any(entry[kind] != count for kind, count in expected.items())
    }


def worker_pids(master_pid: int) -> list[int]:
    """gunicorn's workers: the master's child processes, from /proc (no psutil)."""
    children: set[int] = set()
    for task in Path(f"/proc/{master_pid}/task").glob("*"):
        try:
            children.update(int(pid) for pid in (task / "children").read_text().split())
        except OSError:
            continue
    if not children:  # kernels without the children file: every process whose parent is the master
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                children.add(int(stat.parent.name))
    return sorted(children)
