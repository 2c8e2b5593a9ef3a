"""Schemathesis against a live server: the API answers what its OpenAPI document promises.

Schemathesis reads the committed `maillage/openapi.json` (the document clients get; the drift
test keeps it equal to the code's), generates valid and invalid requests for every operation
(explicit examples, boundary values, random fuzzing, then chains of calls) and checks each
answer: no server error, a documented status, content type, headers and body. Writes carry a
instance admin's token, so they go past authentication into validation.

The run is bounded by a number of examples per operation and phase, with a fixed seed:
`MAILLAGE_SCHEMATHESIS_EXAMPLES` (10 by default) sets it, `.ci/run` raises it. A failure
prints schemathesis' report (each failing request, what it broke, a curl command to replay it)
and, under "Captured log", the traceback of every server error.
"""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
DOCUMENT = Path(__file__).resolve().parents[2] / "maillage" / "openapi.json"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
SEED = 20260101
DEFAULT_EXAMPLES = 10
# A bound for a run gone wrong (a hung request), far above a normal run at 100 examples.
RUN_TIMEOUT_S = 1200


def run_schemathesis(*, url: str, token: str, max_examples: int, workdir: Path):
    """Schemathesis' CLI on the committed document against `url`; its output is its report."""
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            str(DOCUMENT),
            f"--url={url}",
            f"--header=Authorization: Bearer {token}",
            f"--checks={','.join(CHECKS)}",
            f"--max-examples={max_examples}",
            f"--seed={SEED}",
            "--mode=all",
            "--workers=1",
            "--request-timeout=60",
            # Nothing written outside the test's directory, nothing reused between runs.
            "--generation-database=none",
            "--no-color",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def test_every_answer_conforms_to_the_openapi_document(live_api, tmp_path, caplog):
    """0 server errors and 0 answers outside the document, in every phase of the run."""
    # The live server logs each 4xx as a warning (thousands here) and each 500 with its
    # traceback as an error: keep only the errors, which pytest shows under "Captured log".
    caplog.set_level(logging.ERROR, logger="django.request")
    max_examples = int(os.environ.get("MAILLAGE_SCHEMATHESIS_EXAMPLES", DEFAULT_EXAMPLES))
    result = run_schemathesis(
        url=live_api.url, token=live_api.admin_token, max_examples=max_examples, workdir=tmp_path
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"schemathesis found answers the document does not allow:\n{report}"
    )
    # Every operation of the document was exercised, none skipped.
    operations = sum(len(path) for path in json.loads(DOCUMENT.read_text())["paths"].values())
    assert f"Tested: {operations}" in report, report
