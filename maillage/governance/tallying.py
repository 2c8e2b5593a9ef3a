"""The one bridge between stored ballots and the tallies: ballot contents checked and turned into
arrays (voters × options, the conventions of `maillage.tally`), counted, and shaped as results.

The pure module `maillage.tally` (majority judgement, Schulze, budgets, allocation…) is written
beside this app. Until it is merged, the methods this app offers are counted here by small,
self-contained functions (`_majority_judgement`, `_approval`, `_single`, `_consent`, `_score`),
with the same array conventions, so that switching to the module changes this file only.

Ballot contents (JSON), by method:
- single: `{"choice": i}`; approval: `{"approved": [i, …]}`;
- consent: `{"position": "agree" | "abstain" | "object" | "block", "reason": "…"}`;
- score: `{"scores": [s₀, s₁, …]}` within the vote's `min`…`max` (0…5 by default);
- majority_judgement: `{"grades": [g₀, g₁, …]}`, 0 the worst grade of the vote's `scale`.

Weights: without colleges every ballot weighs 1. With colleges, each college's ballots share its
weight (percent) equally, so each college counts for its share whatever its turnout.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from maillage.common.errors import FieldError, ValidationFailed

SUPPORTED_METHODS = ("single", "approval", "consent", "score", "majority_judgement")
CONSENT_POSITIONS = ("agree", "abstain", "object", "block")
DEFAULT_SCALE = ("À rejeter", "Insuffisant", "Passable", "Assez bien", "Bien", "Très bien", "Excellent")
DEFAULT_MAX_OBJECTIONS = 25  # percent of the weighted ballots; consent needs fewer, and no block


def scale_of(vote) -> list[str]:
    return list(vote.settings.get("scale") or DEFAULT_SCALE)


def score_range(vote) -> tuple[int, int]:
    return int(vote.settings.get("min", 0)), int(vote.settings.get("max", 5))


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed([FieldError("content", message)])


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _invalid(_("Le bulletin contient une valeur qui n'est pas un nombre entier."))
    return value


def clean_content(vote, option_count: int, content: Any) -> dict[str, Any]:
    """The ballot `content` in its one canonical form for `vote`, or ValidationFailed."""
    if not isinstance(content, dict):
        raise _invalid(_("Le bulletin est un objet JSON."))
    method = vote.method
    if method == "single":
        choice = _int(content.get("choice"))
        if not 0 <= choice < option_count:
            raise _invalid(_("Choisissez une des options."))
        return {"choice": choice}
    if method == "approval":
        approved = content.get("approved")
        if not isinstance(approved, list):
            raise _invalid(_("Donnez la liste des options que vous approuvez."))
        indices = sorted({_int(item) for item in approved})
        if any(not 0 <= index < option_count for index in indices):
            raise _invalid(_("Une des options approuvées n'existe pas."))
        return {"approved": indices}
    if method == "consent":
        position = content.get("position")
        if position not in CONSENT_POSITIONS:
            raise _invalid(_("Choisissez : d'accord, abstention, objection ou blocage."))
        reason = str(content.get("reason") or "").strip()[:2000]
        return {"position": position, "reason": reason}
    if method in ("score", "majority_judgement"):
        key = "scores" if method == "score" else "grades"
        values = content.get(key)
        if not isinstance(values, list) or len(values) != option_count:
            raise _invalid(_("Donnez une évaluation à chaque option."))
        low, high = score_range(vote) if method == "score" else (0, len(scale_of(vote)) - 1)
        values = [_int(value) for value in values]
        if any(not low <= value <= high for value in values):
            raise _invalid(
                _("Chaque évaluation est comprise entre %(low)s et %(high)s.")
                % {"low": low, "high": high}
            )
        return {key: values}
    raise _invalid(_("Cette méthode de vote n'est pas encore disponible."))


@dataclass(frozen=True)
class CastBallot:
    """A ballot as the tally sees it: its content and the college it counts in (or None)."""

    content: dict[str, Any]
    college_id: int | None = None


def weights_of(ballots: Sequence[CastBallot], college_weights: dict[int, int]) -> list[Fraction]:
    """Each ballot's weight: 1 without colleges; else its college's percent shared among the
    college's ballots."""
    if not college_weights:
        return [Fraction(1)] * len(ballots)
    per_college = Counter(ballot.college_id for ballot in ballots)
    return [
        Fraction(college_weights.get(ballot.college_id or 0, 0), per_college[ballot.college_id])
        for ballot in ballots
    ]


# --- the counts (array conventions of maillage.tally) ------------------------------------------


def _ranking(totals: Sequence[Any]) -> list[int]:
    """Option indices by total, highest first; equal totals keep the options' order."""
    return sorted(range(len(totals)), key=lambda index: (-totals[index], index))


def _single(choices: Sequence[int], weights: Sequence[Fraction], options: int) -> list[Fraction]:
    totals = [Fraction(0)] * options
    for choice, weight in zip(choices, weights, strict=True):
        totals[choice] += weight
    return totals


def _approval(
    approvals: Sequence[Sequence[int]], weights: Sequence[Fraction], options: int
) -> list[Fraction]:
    totals = [Fraction(0)] * options
    for approved, weight in zip(approvals, weights, strict=True):
        for index in approved:
            totals[index] += weight
    return totals


def majority_grade(profile: Sequence[Fraction]) -> int:
    """The lower median grade of a merit profile (`profile[g]`: weight of grade g, 0 worst)."""
    total = sum(profile)
    above = Fraction(0)
    for grade in range(len(profile) - 1, -1, -1):
        above += profile[grade]
        if above * 2 > total:
            return grade
    return 0


def _majority_value(grades: list[int]) -> list[int]:
    """Balinski and Laraki's majority value: the lower medians taken one after the other."""
    remaining = sorted(grades)
    medians = []
    while remaining:
        medians.append(remaining.pop((len(remaining) - 1) // 2))
    return medians


def _gauge(profile: Sequence[Fraction]) -> tuple[int, int, Fraction]:
    """The majority gauge (grade, sign, share) ordering options by Balinski and Laraki's rule
    when ballots carry unequal weights: more above than below the grade ranks higher."""
    grade = majority_grade(profile)
    total = sum(profile) or Fraction(1)
    above = sum(profile[grade + 1 :], Fraction(0)) / total
    below = sum(profile[:grade], Fraction(0)) / total
    if above > below:
        return grade, 1, above
    return grade, -1, -below


def _majority_judgement(
    grades: Sequence[Sequence[int]], weights: Sequence[Fraction], options: int, levels: int
) -> tuple[list[int], list[list[Fraction]]]:
    """(option indices best first, merit profiles) of a voters × options grade array."""
    profiles = [[Fraction(0)] * levels for _ in range(options)]
    for row, weight in zip(grades, weights, strict=True):
        for option, grade in enumerate(row):
            profiles[option][grade] += weight
    if len(set(weights)) <= 1:
        values = [_majority_value([row[option] for row in grades]) for option in range(options)]
        order = sorted(range(options), key=lambda option: ([-v for v in values[option]], option))
    else:
        gauges = [_gauge(profile) for profile in profiles]
        order = sorted(
            range(options), key=lambda option: (tuple(-v for v in gauges[option]), option)
        )
    return order, profiles


# --- results -------------------------------------------------------------------------------------


def _number(value: Fraction) -> float:
    return round(float(value), 6)


def tally(
    vote, labels: Sequence[str], ballots: Sequence[CastBallot], college_weights: dict[int, int]
) -> dict[str, Any]:
    """The results of `vote` (its method, settings and option `labels`) from its `ballots`."""
    options = len(labels)
    weights = weights_of(ballots, college_weights)
    total = sum(weights, Fraction(0))
    contents = [ballot.content for ballot in ballots]
    result: dict[str, Any] = {"method": vote.method, "ballots": len(ballots)}
    rows: list[dict[str, Any]] = [{"index": i, "label": label} for i, label in enumerate(labels)]
    method = vote.method
    if method in ("single", "approval"):
        if method == "single":
            totals = _single([c["choice"] for c in contents], weights, options)
        else:
            totals = _approval([c["approved"] for c in contents], weights, options)
        ranking = _ranking(totals)
        for row in rows:
            row["votes"] = _number(totals[row["index"]])
            row["percent"] = _number(totals[row["index"]] * 100 / total) if total else 0.0
    elif method == "score":
        low, high = score_range(vote)
        sums = [Fraction(0)] * options
        distributions = [[Fraction(0)] * (high - low + 1) for _ in range(options)]
        for content, weight in zip(contents, weights, strict=True):
            for option, score in enumerate(content["scores"]):
                sums[option] += score * weight
                distributions[option][score - low] += weight
        means = [value / total if total else Fraction(0) for value in sums]
        ranking = _ranking(means)
        for row in rows:
            row["mean"] = _number(means[row["index"]])
            row["distribution"] = [_number(v) for v in distributions[row["index"]]]
        result["scale"] = [str(value) for value in range(low, high + 1)]
    elif method == "majority_judgement":
        scale = scale_of(vote)
        ranking, profiles = _majority_judgement(
            [c["grades"] for c in contents], weights, options, len(scale)
        )
        for row in rows:
            profile = profiles[row["index"]]
            row["majority_grade"] = majority_grade(profile) if total else None
            row["profile"] = [_number(v) for v in profile]
            row["profile_percent"] = [_number(v * 100 / total) if total else 0.0 for v in profile]
        result["scale"] = scale
    elif method == "consent":
        counts = dict.fromkeys(CONSENT_POSITIONS, Fraction(0))
        for content, weight in zip(contents, weights, strict=True):
            counts[content["position"]] += weight
        threshold = int(vote.settings.get("max_objections", DEFAULT_MAX_OBJECTIONS))
        objecting = counts["object"] * 100 / total if total else Fraction(0)
        adopted = bool(total) and counts["block"] == 0 and objecting < threshold
        result["counts"] = {name: _number(value) for name, value in counts.items()}
        result["adopted"] = adopted
        result["max_objections"] = threshold
        result["reasons"] = sorted(
            (
                {"position": c["position"], "reason": c["reason"]}
                for c in contents
                if c["position"] in ("object", "block") and c["reason"]
            ),
            key=lambda item: (item["position"], item["reason"]),
        )
        ranking = [0] if adopted else []
    else:
        raise ValueError(f"unsupported method {method!r}")
    result["ranking"] = ranking
    result["winner"] = ranking[0] if ranking and total else None
    result["options"] = rows
    return result
