"""The `maillage` entry point starts without numpy and scipy unless a computation needs them.

Importing them costs about 0.6 s of every command; they must come in only when a coverage or a
plan is computed (issue 14, §5). Each check runs the real entry point in a subprocess and lists
the modules it imported (`-X importtime`), so a module-level import anywhere on the start-up
path — an admin, a selector, a command module — makes it fail.
"""

import os
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy")


def imported_modules(*args: str) -> set[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "maillage", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "django" in names  # the listing worked
    return names


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("coverage", "--help"),
        ("plan", "--help"),
        ("verify_audit", "--help"),
    ],
    ids=" ".join,
)
def test_commands_start_without_numpy_or_scipy(args):
    names = imported_modules(*args)
    assert not {name for name in names if name.split(".")[0] in HEAVY}


def test_the_check_is_not_vacuous():
    """An analysis that computes does import numpy (the listing sees it)."""
    names = imported_modules("shell", "-c", "import maillage.analysis")
    assert "numpy" in names


def test_analysis_commands_skip_the_system_checks():
    from maillage.planning.management.commands import coverage, plan

    assert coverage.Command.requires_system_checks == []
    assert plan.Command.requires_system_checks == []
