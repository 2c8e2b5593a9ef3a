"""Survival of hosted organisations: the Kaplan–Meier product-limit estimator.

Each hosting period is a duration in days and a flag: ``observed=True`` when the hosting ended
(the event), ``False`` when the organisation is still hosted (right-censored: we only know it
lasted at least that long). The estimator (E. L. Kaplan and P. Meier, "Nonparametric estimation
from incomplete observations", *Journal of the American Statistical Association* 53(282),
457–481, 1958) is

    S(t) = Π_{t_i ≤ t} (1 − d_i / n_i)

over the distinct event times ``t_i``, with ``d_i`` the events at ``t_i`` and ``n_i`` the number
at risk just before ``t_i`` (durations ≥ ``t_i``). At a time with both events and censorings,
the events come first (the usual convention: a period censored at ``t_i`` was at risk at
``t_i``). With nothing censored, ``S(t)`` is the empirical share of durations greater than t.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Step:
    """One event time of the Kaplan–Meier table."""

    time: float  # days
    at_risk: int  # durations ≥ time
    events: int  # periods that ended at time
    censored: int  # periods still running, last seen at time
    survival: float  # S(time), after the events at time


def _check(durations: Sequence[float], observed: Sequence[bool]) -> None:
    if len(durations) != len(observed):
        raise ValueError("durations and observed must have the same length")
    if any(d < 0 for d in durations):
        raise ValueError("durations must be non-negative")


def survival_table(durations_days: Sequence[float], observed: Sequence[bool]) -> list[Step]:
    """The Kaplan–Meier table: one row per distinct time with an event or a censoring."""
    _check(durations_days, observed)
    events: dict[float, int] = {}
    censored: dict[float, int] = {}
    for duration, ended in zip(durations_days, observed, strict=True):
        target = events if ended else censored
        target[float(duration)] = target.get(float(duration), 0) + 1
    at_risk = len(durations_days)
    survival = 1.0
    table = []
    for time in sorted(events.keys() | censored.keys()):
        d, c = events.get(time, 0), censored.get(time, 0)
        if d:
            survival *= 1 - d / at_risk
        table.append(Step(time, at_risk, d, c, survival))
        at_risk -= d + c
    return table


def kaplan_meier(
    durations_days: Sequence[float], observed: Sequence[bool]
) -> list[tuple[float, float]]:
    """The step function S as ``[(0.0, 1.0), (t1, S(t1)), …]`` at each distinct event time:
    ``S`` is right-continuous and constant between the listed times.

    >>> kaplan_meier([1, 2, 2, 3], [True, True, False, True])
    [(0.0, 1.0), (1.0, 0.75), (2.0, 0.5), (3.0, 0.0)]
    """
    steps = [(0.0, 1.0)]
    for step in survival_table(durations_days, observed):
        if step.events:
            if step.time == 0.0:
                steps[0] = (0.0, step.survival)
            else:
                steps.append((step.time, step.survival))
    return steps


def number_at_risk(durations_days: Sequence[float], at_days: float) -> int:
    """How many periods lasted at least ``at_days`` (still at risk at that time)."""
    return sum(1 for duration in durations_days if duration >= at_days)


def survival_at(
    durations: Sequence[float],
    observed: Sequence[bool],
    at_years: Sequence[int] = (1, 3, 5),
) -> dict[int, float | None]:
    """``S`` at whole years (365.25 days each), for example survival at 1, 3 and 5 years.

    None when the estimate is undefined: nobody was followed that long while ``S`` had not
    fallen to 0 (the last periods were censored before). When every period ended before, the
    value is 0.0. No period at all gives None at every year.
    """
    _check(durations, observed)
    table = survival_table(durations, observed)
    result: dict[int, float | None] = {}
    for years in at_years:
        t = years * DAYS_PER_YEAR
        survival = 1.0
        for step in table:
            if step.time > t:
                break
            survival = step.survival
        if number_at_risk(durations, t) == 0 and survival > 0:
            result[years] = None
        else:
            result[years] = survival
    return result
