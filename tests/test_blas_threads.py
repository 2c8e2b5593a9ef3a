"""Matrix operations run on one OpenBLAS thread unless the instance says otherwise (see
`maillage/__init__.py` for why)."""

import os
import subprocess
import sys

SCRIPT = (
    "import maillage, numpy, os; "
    "print(os.environ['OPENBLAS_NUM_THREADS'], numpy.__config__.CONFIG['Build Dependencies']"
    "['blas']['name'])"
)


def run(environment: dict[str, str]) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout.strip()


def test_importing_maillage_limits_openblas_to_one_thread():
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    threads, blas = run(environment).split()
    assert threads == "1"
    assert "openblas" in blas  # the library the setting is read by


def test_an_instance_may_choose_its_own_number_of_threads():
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}
    assert run(environment).split()[0] == "2"
