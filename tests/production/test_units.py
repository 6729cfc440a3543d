"""The production recipe's service definitions (deploy/systemd/, deploy/forum.cron) start commands
that exist: each unit's ExecStart and each cron line is parsed and its command asked for --help (the
flask commands) or --check-config (gunicorn, which loads the app), and systemd checks the units."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.production.recipe import DEPLOY, ENV_FILE, INSTALLED, ROOT, UNITS, unit


def local_command(command: list[str]) -> list[str]:
    """A unit's command with the installed checkout's paths pointing at this checkout."""
    return [part.replace(INSTALLED, str(ROOT)) for part in command]


def run(command: list[str], tmp_path: Path, timeout: float = 30) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("FLASK_APP", None)
    # An empty throw-away database, so that nothing touches instance/forum.sqlite3.
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'check.sqlite3'}", FORUM_SECRET_KEY="check")
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def flask_cli(tmp_path, monkeypatch):
    """`flask ARGS` in this process: the same entry point (flask.cli.cli) that the flask program
    runs, without starting an interpreter per command. Returns (exit code, output)."""
    from click.testing import CliRunner
    from flask.cli import cli

    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("FLASK_APP", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'check.sqlite3'}")
    monkeypatch.setenv("FORUM_SECRET_KEY", "check")

    def invoke(args: list[str]) -> tuple[int, str]:
        result = CliRunner().invoke(cli, args, prog_name="flask")
        return result.exit_code, result.output

    return invoke


def flask_subcommand(command: list[str]) -> list[str]:
    """['outbox', 'send'] of ['/…/flask', '--app', 'app', 'outbox', 'send', '--loop']."""
    assert Path(command[0]).name == "flask", command
    assert command[1:3] == ["--app", "app"], "the units run the app of the checkout (app.py)"
    return [part for part in command[3:] if not part.startswith("-")]


EXPECTED_SERVICES = {
    "forum-outbox.service": ["outbox", "send", "--loop"],
    "forum-purge.service": ["privacy", "purge"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_SERVICES))
def test_each_worker_unit_starts_an_existing_flask_command(name, flask_cli):
    service = unit(name)["Service"]
    assert service["WorkingDirectory"] == INSTALLED
    assert service["EnvironmentFile"] == ENV_FILE
    command = shlex.split(service["ExecStart"])
    assert command[0] == f"{INSTALLED}/.venv/bin/flask"
    assert command[3:] == EXPECTED_SERVICES[name]

    subcommand = flask_subcommand(command)
    code, output = flask_cli([*command[1:3], *subcommand, "--help"])
    assert code == 0, output
    assert f"Usage: flask {' '.join(subcommand)}" in output
    for option in (part for part in command[3:] if part.startswith("--")):
        assert option in output, f"{name}: {option} is not an option of {' '.join(subcommand)}"


def test_an_unknown_command_would_be_caught(flask_cli):
    """The check above can fail: flask refuses a command that does not exist."""
    code, output = flask_cli(["--app", "app", "outbox", "deliver", "--help"])
    assert code != 0
    assert "No such command" in output


def test_the_web_unit_starts_gunicorn_with_the_recipe_settings(tmp_path):
    service = unit("forum-web.service")["Service"]
    command = shlex.split(service["ExecStart"])
    assert command == [f"{INSTALLED}/.venv/bin/gunicorn", "-c", "deploy/gunicorn.conf.py"]
    assert service["Type"] == "notify", "gunicorn tells systemd when it is ready"

    # --check-config reads the settings and loads the app (app:app from the settings file).
    answer = run([*local_command(command), "--check-config"], tmp_path)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    broken = run([*local_command(command), "--check-config", "no_such_module:app"], tmp_path)
    assert broken.returncode != 0


def test_the_purge_runs_daily_through_its_timer():
    timer = unit("forum-purge.timer")
    assert timer["Timer"]["Unit"] == "forum-purge.service"
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", timer["Timer"]["OnCalendar"]), "once a day"
    assert timer["Timer"]["Persistent"] == "true", "a missed run (machine off) runs at the next boot"
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert unit("forum-purge.service")["Service"]["Type"] == "oneshot"


def test_systemd_accepts_the_units(tmp_path):
    """systemd-analyze verify on copies pointing at this checkout (it checks keys and executables)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    env_file = tmp_path / "forum.env"
    env_file.write_text((DEPLOY / "forum.env.example").read_text())
    for path in sorted(UNITS.iterdir()):
        text = path.read_text().replace(INSTALLED, str(ROOT)).replace(ENV_FILE, str(env_file))
        # The forum user does not exist on a test machine.
        text = re.sub(r"^(User|Group)=.*$", "", text, flags=re.MULTILINE)
        (tmp_path / path.name).write_text(text)
    names = [str(tmp_path / path.name) for path in sorted(UNITS.iterdir())]
    answer = subprocess.run([analyze, "verify", *names], capture_output=True, text=True, timeout=30, cwd=tmp_path)
    problems = [
        line for line in (answer.stdout + answer.stderr).splitlines() if str(tmp_path) in line or "forum-" in line
    ]
    assert answer.returncode == 0 and not problems, answer.stdout + answer.stderr


# --- cron -----------------------------------------------------------------------------------------

CRON_SCHEDULE = re.compile(r"^(@reboot|@daily|(\S+\s+){4}\S+)\s+(.*)$")


def cron_jobs() -> list[tuple[str, str]]:
    jobs = []
    for line in (DEPLOY / "forum.cron").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        match = CRON_SCHEDULE.match(line)
        assert match, f"not a crontab line: {line}"
        schedule = match.group(1)
        if not schedule.startswith("@"):
            assert len(schedule.split()) == 5
        jobs.append((schedule, match.group(3)))
    return jobs


def flask_commands_of(job: str) -> list[list[str]]:
    """The `.venv/bin/flask --app app …` commands in a cron job's shell line."""
    commands = []
    for segment in re.split(r"&&|;", job):
        if ".venv/bin/flask" not in segment:
            continue
        words = shlex.split(segment.split(">>")[0])
        for position, word in enumerate(words):
            if word.endswith(".venv/bin/flask"):
                commands.append(words[position:])
    return commands


def test_cron_lines_run_the_same_commands_as_the_units(flask_cli):
    jobs = cron_jobs()
    found = [command[3:] for _schedule, job in jobs for command in flask_commands_of(job)]
    assert ["outbox", "send", "--loop"] in found
    assert ["privacy", "purge"] in found
    for _schedule, job in jobs:
        if "flask" in job:
            assert "/etc/forum/forum.env" in job, "cron gives no environment: each job loads the settings"
    for command in found:
        subcommand = [part for part in command if not part.startswith("-")]
        code, output = flask_cli(["--app", "app", *subcommand, "--help"])
        assert code == 0, f"{command}: {output}"
        for option in (part for part in command if part.startswith("--")):
            assert option in output
    schedules = {" ".join(command[3:]): schedule for schedule, job in jobs for command in flask_commands_of(job)}
    assert schedules["privacy purge"].split()[2:] == ["*", "*", "*"], "the purge runs every day"


def test_cron_lines_are_valid_shell(tmp_path):
    for _schedule, job in cron_jobs():
        # cron turns an unescaped % into a newline; the jobs escape theirs.
        assert re.search(r"(?<!\\)%", job) is None, job
        answer = subprocess.run(["sh", "-n", "-c", job.replace("\\%", "%")], capture_output=True, text=True)
        assert answer.returncode == 0, answer.stderr


def test_the_readme_recipe_names_the_files():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production", 1)[1].split("\n## ", 1)[0]
    for name in (
        "deploy/gunicorn.conf.py",
        "deploy/systemd/",
        "deploy/forum.cron",
        "flask --app app outbox send --loop",
        "flask --app app privacy purge",
        "flask --app app db upgrade",
        "FORUM_RATELIMIT_STORAGE_URI",
        "FORUM_PROXY_COUNT",
        "pg_dump -Fc",
        "pg_restore",
        ".backup",
    ):
        assert name in section, f"the README's Production section does not mention {name}"


# --- the settings file ---------------------------------------------------------------------------


def test_the_settings_example_reads_the_same_in_systemd_and_sh():
    """forum.env.example holds only settings Forum or deploy/gunicorn.conf.py knows, and sh (cron)
    reads it as systemd's EnvironmentFile does."""
    from forum.config import SETTINGS

    text = (DEPLOY / "forum.env.example").read_text()
    gunicorn_names = set(re.findall(r'"(FORUM_[A-Z_]+)"', (DEPLOY / "gunicorn.conf.py").read_text()))
    known = {setting.env for setting in SETTINGS} | gunicorn_names | {"FORUM_SECRET_KEY"}
    names = re.findall(r"^#?([A-Z][A-Z_]+)=", text, flags=re.MULTILINE)
    assert names and set(names) <= known, f"unknown settings: {set(names) - known}"

    shell = subprocess.run(
        [
            "sh",
            "-c",
            'set -a; . "$0"; set +a; printf "%s\\n" "$MAIL_DEFAULT_SENDER" "$DATABASE_URL"',
            DEPLOY / "forum.env.example",
        ],
        capture_output=True,
        text=True,
        timeout=10,
        env={"PATH": os.environ["PATH"]},
    )
    assert shell.returncode == 0 and shell.stderr == "", shell.stderr
    assert shell.stdout.splitlines() == [
        "Forum <forum@example.se>",
        "postgresql+psycopg://forum:CHANGE-ME@127.0.0.1:5432/forum",
    ]
