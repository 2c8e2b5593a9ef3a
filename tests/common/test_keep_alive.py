"""scripts/keep_alive.sh, which keeps `make run`'s task worker alive: it starts the command
again whenever it exits, and stops it when stopped itself.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "keep_alive.sh"
DEADLINE_S = 30  # a generous bound for a loaded machine; the test passes as soon as it can


def wait_for(condition) -> None:
    end = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > end:
            pytest.fail("keep_alive.sh did not get there in time")
        time.sleep(0.05)


def test_an_exiting_command_is_started_again(tmp_path):
    runs = tmp_path / "runs"
    command = f"echo run >> {runs}; exit 3"
    keeper = subprocess.Popen([str(SCRIPT), "sh", "-c", command], stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: runs.exists() and len(runs.read_text().splitlines()) >= 2)
    finally:
        keeper.send_signal(signal.SIGTERM)
        _, stderr = keeper.communicate(timeout=DEADLINE_S)
    assert keeper.returncode == 0
    assert "exited with status 3; starting it again" in stderr


def test_stopping_it_stops_the_command(tmp_path):
    pid_file = tmp_path / "pid"
    command = f"echo $$ > {pid_file}; exec sleep 300"
    keeper = subprocess.Popen([str(SCRIPT), "sh", "-c", command])
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text().strip())
    finally:
        keeper.send_signal(signal.SIGTERM)
        keeper.wait(timeout=DEADLINE_S)
    child = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
