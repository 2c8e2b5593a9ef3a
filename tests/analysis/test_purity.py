"""The numeric core stays pure: importing it loads no Django module."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_analysis_loads_no_django():
    """`import maillage.analysis` (and every submodule) leaves Django out of sys.modules."""
    code = (
        "import sys\n"
        "import maillage.analysis\n"
        "import maillage.analysis.coverage, maillage.analysis.distance\n"
        "import maillage.analysis.covering, maillage.analysis.planning\n"
        "import maillage.analysis.pmedian, maillage.analysis.points\n"
        "import maillage.analysis.population\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "apps = sorted(m for m in sys.modules if m.startswith('maillage.')\n"
        "              and not m.startswith('maillage.analysis'))\n"
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
