"""flask commands (the CLI contract of DESIGN.md). Each command is a thin wrapper around a service."""

from __future__ import annotations

import click
from flask.cli import AppGroup


def register_cli(app) -> None:
    users = AppGroup("users", help="Organiser accounts.")
    outbox = AppGroup("outbox", help="The e-mail outbox.")
    invitations = AppGroup("invitations", help="Invitations to an event.")

    @users.command("create")
    @click.argument("email")
    @click.option("--name", default="", help="Display name (defaults to the part before @).")
    @click.option("--admin", is_flag=True, help="Give the account the admin flag.")
    @click.option("--password", envvar="FORUM_NEW_USER_PASSWORD", default=None, help="Otherwise one is generated.")
    def users_create(email: str, name: str, admin: bool, password: str | None):
        """Create an organiser account and print its password once."""
        from forum.auth import services

        try:
            user, password = services.create_user_from_cli(email, name=name, admin=admin, password=password)
        except services.AccountError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Created {'admin' if user.is_admin else 'user'} {user.email}")
        click.echo(f"Password: {password}")

    @outbox.command("send")
    @click.option("--loop", is_flag=True, help="Keep running and poll for new messages.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between polls with --loop.")
    def outbox_send(loop: bool, interval: float):
        """Deliver queued e-mail, with retries and backoff."""
        from forum.mail import worker

        sent = worker.run(loop=loop, interval=interval, echo=click.echo)
        click.echo(f"Sent {sent} message(s).")

    @invitations.command("remind")
    @click.argument("slug")
    def invitations_remind(slug: str):
        """Queue a reminder to the event's invitees who have not answered (within the organiser's limit)."""
        from sqlalchemy import select

        from forum.events.models import Event
        from forum.extensions import db
        from forum.invitations import sending

        event = db.session.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            raise click.ClickException(f"No event with the address {slug!r}.")
        try:
            count = sending.send_reminders(event)
        except sending.NotSendable as refusal:
            raise click.ClickException(str(refusal)) from refusal
        db.session.commit()
        click.echo(f"Reminded {count} invitee(s).")

    checkin = AppGroup("checkin", help="Check-in at the door.")

    @checkin.command("device-token")
    @click.argument("slug")
    @click.argument("name")
    def checkin_device_token(slug: str, name: str):
        """Create a scanning device for the event and print its token once."""
        from sqlalchemy import select

        from forum.checkin import services as checkin_services
        from forum.events.models import Event
        from forum.extensions import db

        event = db.session.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            raise click.ClickException(f"No event with the address {slug!r}.")
        if not name.strip():
            raise click.ClickException("The device needs a name.")
        device, token = checkin_services.create_device(event, name)
        db.session.commit()
        click.echo(f"Created device {device.name!r} for {event.slug}.")
        click.echo(f"Token: {token}")
        from forum.checkin.views import scanner_link

        click.echo(f"Open the scanner with it: {scanner_link(event, token, device.name)}")

    privacy = AppGroup("privacy", help="Retention of personal data.")

    @privacy.command("purge")
    @click.option("--dry-run", is_flag=True, help="List what would be cleared and change nothing.")
    def privacy_purge(dry_run: bool):
        """Apply the retention rules: clear health data, anonymise what is past retention (safe daily)."""
        from forum.privacy import retention

        results = retention.purge(dry_run=dry_run)
        verb = "Would clear" if dry_run else "Cleared"
        for result in results:
            counts = ", ".join(f"{name} {count}" for name, count in result.counts().items() if count)
            click.echo(f"{result.event.slug}: {counts}")
        if not results:
            click.echo("Nothing to clear.")
        click.echo(f"{verb}: {len(results)} event(s).{' Nothing was changed (dry run).' if dry_run else ''}")

    @app.cli.command("demo")
    def demo():
        """Load the demo events from the seed documents (idempotent)."""
        from forum import demo as demo_data

        demo_data.load(echo=click.echo)

    app.cli.add_command(users)
    app.cli.add_command(outbox)
    app.cli.add_command(invitations)
    app.cli.add_command(checkin)
    app.cli.add_command(privacy)
