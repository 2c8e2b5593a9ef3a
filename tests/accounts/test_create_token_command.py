"""`maillage create_token USERNAME [--name NAME]`: a token for scripts, printed alone last."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from maillage.accounts.models import ApiToken
from maillage.accounts.services import authenticate_token
from maillage.audit.models import AuditEntry
from tests.accounts.factories import UserFactory


@pytest.mark.django_db
def test_the_token_is_printed_alone_on_the_last_line_and_works():
    user = UserFactory(username="robot")
    out = StringIO()
    call_command("create_token", "robot", "--name", "sauvegarde", stdout=out)
    raw = out.getvalue().splitlines()[-1]
    assert raw.startswith("mlg_")
    assert raw.strip() == raw
    assert authenticate_token(raw) == user
    token = ApiToken.objects.get(user=user)
    assert token.name == "sauvegarde"
    entry = AuditEntry.objects.get(action="token.create")
    assert entry.actor is None  # the system, on behalf of an administrator at the shell
    assert entry.changes["user"] == [None, user.pk]


@pytest.mark.django_db
def test_the_name_defaults_like_the_tokens_page():
    UserFactory(username="robot")
    call_command("create_token", "robot", stdout=StringIO())
    assert ApiToken.objects.get().name == "API"


@pytest.mark.django_db
def test_an_unknown_user_is_an_error():
    with pytest.raises(CommandError, match="« fantome » introuvable"):
        call_command("create_token", "fantome", stdout=StringIO())
    assert ApiToken.objects.count() == 0


def test_the_console_script(tmp_path):
    """Through the installed `maillage` script, on a database of its own."""
    script = Path(sys.executable).parent / "maillage"
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MAILLAGE_VAR_DIR": str(tmp_path),
    }

    def run(*args):
        return subprocess.run(
            [str(script), *args], env=env, capture_output=True, text=True, check=False, timeout=180
        )

    assert run("migrate", "-v", "0").returncode == 0
    missing = run("create_token", "robot")
    assert missing.returncode != 0
    assert "Utilisateur·rice « robot » introuvable." in missing.stderr
    assert missing.stdout == ""
    created = run(
        "shell",
        "-c",
        "from maillage.accounts.models import User; User.objects.create(username='robot')",
    )
    assert created.returncode == 0, created.stderr
    made = run("create_token", "robot", "--name", "cron")
    assert made.returncode == 0, made.stderr
    raw = made.stdout.splitlines()[-1]
    assert raw.startswith("mlg_")
    verified = run("verify_audit")
    assert verified.returncode == 0, verified.stdout
    assert "1 entrée(s)" in verified.stdout


def test_the_help_renders():
    from maillage.accounts.management.commands.create_token import Command

    text = Command().create_parser("maillage", "create_token").format_help()
    assert "--name" in text
    assert "jeton d'API" in text
