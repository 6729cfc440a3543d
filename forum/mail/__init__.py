"""E-mail through the transactional outbox: services.enqueue in the request's transaction,
worker.run (`flask --app app outbox send`) to deliver.

init_app(app) adds development inline delivery: with FORUM_MAIL_INLINE set, the messages a
request queued are sent right after it, and written to the log if the mail server is not there.
"""

from __future__ import annotations

from flask import Flask, current_app, g


def init_app(app: Flask) -> None:
    if app.config.get("FORUM_MAIL_INLINE"):
        app.teardown_request(_deliver_inline)


def _deliver_inline(_error: BaseException | None) -> None:
    """After the request: send what it queued and committed. Never raises into the request."""
    from forum.extensions import db
    from forum.mail import worker
    from forum.mail.services import INLINE_QUEUE

    message_ids = g.pop(INLINE_QUEUE, None)
    if not message_ids:
        return
    try:
        db.session.rollback()  # what the request left uncommitted is not ours to commit
        worker.deliver_inline(message_ids)
    except Exception:
        current_app.logger.exception("Inline mail delivery failed; `flask outbox send` will deliver the queue.")
        db.session.rollback()
