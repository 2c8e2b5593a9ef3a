"""The statistics core stays pure: importing it loads no Django module and no app."""

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import maillage.stats

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_statistics_core_loads_no_django():
    name = maillage.stats.__name__
    submodules = [f"{name}.{m.name}" for m in pkgutil.iter_modules(maillage.stats.__path__)]
    assert len(submodules) >= 6  # secrecy, survival, aggregate, commuting, hours, charts
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
