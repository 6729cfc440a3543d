"""Unsubscribing from the network's news: /r/<token>/unsubscribe, the address in the
List-Unsubscribe header of messages to those who asked to be kept informed (forum.mail.broadcast).

GET shows what the button does; POST unsubscribes. A mail client's one-click unsubscribe (RFC 8058)
is the same POST with the body "List-Unsubscribe=One-Click". Only keep_informed changes: the
registration itself stays as it is.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from forum.auth.policy import public
from forum.extensions import csrf
from forum.mail import broadcast
from forum.registration.views import registration_or_404
from forum.security import private

bp = Blueprint("mail_unsubscribe", __name__)


@bp.get("/r/<token>/unsubscribe")
@public
def unsubscribe(token: str):
    registration = registration_or_404(token)
    return private(
        render_template(
            "mail/unsubscribe.html",
            registration=registration,
            event=registration.event,
            done=not registration.keep_informed,
        )
    )


# Exempt from CSRF: RFC 8058 one-click unsubscription is a POST that the recipient's mail provider
# sends on its own, with the body "List-Unsubscribe=One-Click" and no token or cookie of ours. The
# secret in the URL is what authorises the request (it is only in mail sent to that person), so a
# forged cross-site POST would need the token it protects; and the one thing the POST can do is stop
# news mail, which is harmless to have done twice or by mistake.
@bp.post("/r/<token>/unsubscribe")
@csrf.exempt
@public
def unsubscribe_now(token: str):
    registration = registration_or_404(token)
    broadcast.unsubscribe(registration)
    return private(
        render_template("mail/unsubscribe.html", registration=registration, event=registration.event, done=True)
    )
