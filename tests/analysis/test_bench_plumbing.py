"""The benchmark runner's plumbing: verdicts come from the figures, parts and flags reach the
right module (the timings themselves are never asserted)."""

import pytest

from benchmarks import __main__ as runner
from benchmarks.analysis_bench import verdict


def test_verdict_is_computed_from_the_figure():
    assert verdict(0.5, 0.7) == "met"
    assert verdict(0.7, 0.7) == "met"
    assert verdict(0.77, 0.7) == "missed by 10 %"
    assert verdict(30.0, 20.0, at_least=True) == "met"
    assert verdict(15.0, 20.0, at_least=True) == "missed by 25 %"
    assert verdict(0.25, 0.0) == "missed by 0.25 points"
    assert verdict(float("nan"), 1.0) == "not measured"


def test_names_parts_and_flags_become_module_commands():
    options, selected = runner.parse(["analysis:B1,B3b", "api", "--spopt-all", "--quick"])
    assert selected == [("analysis", "B1,B3b"), ("api", None)]
    analysis = runner.command("analysis", "B1,B3b", options)
    assert analysis[1:] == ["-m", "benchmarks.analysis_bench", "--quick", "--only", "B1,B3b",
                            "--spopt-all"]  # fmt: skip
    # --spopt-all is the analysis benchmark's own flag: never given to another.
    assert runner.command("api", None, options)[1:] == ["-m", "benchmarks.api_bench", "--quick"]


def test_no_name_runs_the_whole_registry_and_unknown_names_are_refused(capsys):
    _, selected = runner.parse([])
    assert [name for name, _ in selected] == list(runner.BENCHMARKS)
    with pytest.raises(SystemExit):
        runner.parse(["nonsense"])
    assert "unknown benchmark 'nonsense'" in capsys.readouterr().err
