"""The numeric cores stay pure: importing them loads no Django module and no app.

Two packages are held to it: the analysis core (`maillage.analysis`) and the tally module
(`maillage.tally`), so that a published result can be recomputed without the platform.
"""

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import maillage.analysis
import maillage.tally

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("package", [maillage.analysis, maillage.tally], ids=lambda p: p.__name__)
def test_importing_the_core_loads_no_django(package):
    """Importing the package and every submodule leaves Django and the apps out of sys.modules."""
    name = package.__name__
    submodules = [f"{name}.{module.name}" for module in pkgutil.iter_modules(package.__path__)]
    assert len(submodules) >= 5  # the listing found the modules
    code = (
        "import importlib, sys\n"
        f"for module in {[name, *submodules]!r}:\n"
        "    importlib.import_module(module)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "apps = sorted(m for m in sys.modules if m.startswith('maillage.')\n"
        f"              and not m.startswith({name!r}))\n"
        "print(bad, apps)\n"
        "sys.exit(1 if bad or apps else 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
