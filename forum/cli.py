"""flask commands (the CLI contract of DESIGN.md). Each command is a thin wrapper around a service."""

from __future__ import annotations

import click
from flask.cli import AppGroup


def register_cli(app) -> None:
    users = AppGroup("users", help="Organiser accounts.")
    outbox = AppGroup("outbox", help="The e-mail outbox.")

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

    @app.cli.command("demo")
    def demo():
        """Load the demo events from the seed documents (idempotent)."""
        from forum import demo as demo_data

        demo_data.load(echo=click.echo)

    app.cli.add_command(users)
    app.cli.add_command(outbox)
