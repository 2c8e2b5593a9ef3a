"""The `maillage` entry point starts without what a command does not need.

Importing numpy and scipy costs about 0.6 s of every command; they must come in only when a
coverage or a plan is computed (issue 14, §5). The admin modules import the apps' services and
forms (the importers, pydantic schemas, the OSM reader…): they come in with the URL
configuration or the admin's system check, not at start-up (maillage.common.admin_config).
Each check runs the real entry point in a subprocess and lists the modules it imported
(`sys.modules` at exit), so a module-level import anywhere on the start-up path — an admin, a
selector, a command module, an app's ready() — makes it fail.
"""

import os
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy")
# What the admin modules bring (the admin modules themselves are checked by name).
ADMIN_ONLY = (
    "maillage.opendata.services",
    "maillage.places.services",
    "maillage.places.forms",
    "maillage.federation.services",
    "maillage.planning.services",
)
# What a staff dashboard section imports when it is shown, not when ready() registers it.
DASHBOARD_ONLY = ("maillage.observatory.catalogue", "maillage.stats")

# The entry point as `maillage` runs it, which writes at exit the name of every module imported
# (`-X importtime` would miss those imported through importlib, as the admin's are).
ENTRY_POINT = """
import atexit, os, sys
atexit.register(lambda: open(os.environ["MODULES_LIST"], "w").write("\\n".join(sys.modules)))
sys.argv[0] = "maillage"
from maillage.__main__ import main
main()
"""


def imported_modules(*args: str, tmp_path) -> set[str]:
    listing = tmp_path / "modules.txt"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "MODULES_LIST": str(listing)}
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY_POINT, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set(listing.read_text().splitlines())
    assert "django" in names  # the listing worked
    return names


START_UP_COMMANDS = pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("coverage", "--help"),
        ("plan", "--help"),
        ("verify_audit", "--help"),
    ],
    ids=" ".join,
)


@START_UP_COMMANDS
def test_commands_start_without_numpy_or_scipy(args, tmp_path):
    names = imported_modules(*args, tmp_path=tmp_path)
    assert not {name for name in names if name.split(".")[0] in HEAVY}


@START_UP_COMMANDS
def test_commands_start_without_the_admin_modules(args, tmp_path):
    names = imported_modules(*args, tmp_path=tmp_path)
    assert not {name for name in names if name.startswith("maillage.") and name.endswith(".admin")}
    assert not names & set(ADMIN_ONLY)


@START_UP_COMMANDS
def test_commands_start_without_what_only_a_dashboard_shows(args, tmp_path):
    assert not imported_modules(*args, tmp_path=tmp_path) & set(DASHBOARD_ONLY)


def test_the_check_is_not_vacuous(tmp_path):
    """An analysis that computes does import numpy, and the system checks import the admin
    modules (the listing sees both)."""
    names = imported_modules("shell", "-c", "import maillage.analysis", tmp_path=tmp_path)
    assert "numpy" in names
    names = imported_modules("check", tmp_path=tmp_path)
    assert {"maillage.places.admin", "maillage.opendata.admin", *ADMIN_ONLY} <= names


def test_analysis_commands_skip_the_system_checks():
    from maillage.planning.management.commands import coverage, plan

    assert coverage.Command.requires_system_checks == []
    assert plan.Command.requires_system_checks == []


def test_a_coverage_and_a_greedy_plan_compute_without_scipy_optimize():
    """scipy.optimize (HiGHS) is imported by the exact methods only: `maillage coverage` and a
    greedy `maillage plan` do without it."""
    code = (
        "import sys\n"
        "from maillage.analysis import Points, coverage, plan\n"
        "pop = Points.from_latlon([43.30, 43.35, 43.60], [-0.37, -0.30, -0.80], [8e4, 5e3, 900])\n"
        "sites = Points.from_latlon([43.2951], [-0.3708])\n"
        "coverage(pop, sites, radius_km=10)\n"
        "plan(pop, pop, radius_km=10, n_new=1, existing_sites=sites)\n"
        "print('scipy.optimize' in sys.modules)\n"
        "plan(pop, pop, radius_km=10, n_new=1, existing_sites=sites, method='exact')\n"
        "print('scipy.optimize' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["False", "True"]
