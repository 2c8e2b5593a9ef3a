"""The one bridge between stored ballots and the tallies of `maillage.tally`: ballot contents
checked, turned into its arrays (voters × options), counted by it, and shaped as results (plain
JSON, stored with the vote at its close and recomputed by `maillage verify_vote`).

Ballot contents (JSON), by method:
- single: `{"choice": i}`; approval and budget: `{"approved": [i, …]}`;
- consent: `{"position": "agree" | "abstain" | "object" | "block", "reason": "…"}`;
- score: `{"scores": [s₀, s₁, …]}` within the vote's `min`…`max` (0…5 by default);
- majority_judgement: `{"grades": [g₀, …]}`, 0 the worst grade of the vote's `scale`;
- schulze and allocation: `{"ranks": [r₀, …]}`, 1 the most preferred, equal ranks allowed,
  0 for an option not ranked (for an allocation: not acceptable);
- date_poll: `{"answers": [a₀, …]}`, 2 yes, 1 if need be, 0 no.

Weights: without colleges every ballot weighs 1. With colleges, each college's weight is shared
equally among its ballots (`maillage.tally.college_voter_weights`), so each college counts for
its share whatever its turnout; an allocation takes no weights (a desk goes to one person).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from django.utils.translation import gettext as _

from maillage import tally as tallies
from maillage.common.errors import FieldError, ValidationFailed

SUPPORTED_METHODS = (
    "single",
    "approval",
    "consent",
    "score",
    "schulze",
    "majority_judgement",
    "budget",
    "allocation",
    "date_poll",
)
VALUE_KEYS = {
    "score": "scores",
    "majority_judgement": "grades",
    "schulze": "ranks",
    "allocation": "ranks",
    "date_poll": "answers",
}
CONSENT_POSITIONS = ("agree", "abstain", "object", "block")
DEFAULT_SCALE = (
    "À rejeter",
    "Insuffisant",
    "Passable",
    "Assez bien",
    "Bien",
    "Très bien",
    "Excellent",
)
DEFAULT_MAX_OBJECTIONS = 50  # percent of the expressed positions (agree, object, block)


def scale_of(vote) -> list[str]:
    return list(vote.settings.get("scale") or DEFAULT_SCALE)


def score_range(vote) -> tuple[int, int]:
    return int(vote.settings.get("min", 0)), int(vote.settings.get("max", 5))


def value_range(vote, option_count: int) -> tuple[int, int]:
    """The values a ballot of a score, grade, rank or date-poll vote may give each option."""
    if vote.method == "score":
        return score_range(vote)
    if vote.method == "majority_judgement":
        return 0, len(scale_of(vote)) - 1
    if vote.method == "date_poll":
        return 0, 2
    return 0, option_count  # ranks: 1 the most preferred, 0 not ranked


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
    if method in ("approval", "budget"):
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
    if method in VALUE_KEYS:
        key = VALUE_KEYS[method]
        values = content.get(key)
        if not isinstance(values, list) or len(values) != option_count:
            raise _invalid(_("Donnez une évaluation à chaque option."))
        low, high = value_range(vote, option_count)
        values = [_int(value) for value in values]
        if any(not low <= value <= high for value in values):
            raise _invalid(
                _("Chaque évaluation est comprise entre %(low)s et %(high)s.")
                % {"low": low, "high": high}
            )
        return {key: values}
    raise _invalid(_("Cette méthode de vote n'est pas encore disponible."))


class CastBallot(NamedTuple):
    """A ballot as the tally sees it: its content, the college it counts in (or None), and, for
    a public allocation only, whom it is from (to say who gets what). A named tuple: made for
    each of a vote's ballots, it is built in half the time of a frozen dataclass."""

    content: dict[str, Any]
    college_id: int | None = None
    voter: str = ""


def weights_of(ballots: Sequence[CastBallot], college_weights: dict[int, int]) -> np.ndarray | None:
    """Per-ballot weights (None without colleges): each college's percent shared among its
    ballots, scaled to sum to 1."""
    if not college_weights or not ballots:
        return None
    ids = sorted(college_weights)
    index = {college_id: position for position, college_id in enumerate(ids)}
    labels = [index[ballot.college_id] for ballot in ballots if ballot.college_id in index]
    if len(labels) != len(ballots):
        raise ValueError("a ballot of a weighted vote has no college")
    return tallies.college_voter_weights(labels, [college_weights[i] for i in ids])


def _number(value: Any) -> float:
    return round(float(value), 6)


def _matrix(contents: Sequence[dict[str, Any]], key: str, options: int) -> np.ndarray:
    if not contents:
        return np.zeros((0, options), dtype=np.int64)
    return np.asarray([content[key] for content in contents], dtype=np.int64)


def _marks(contents: Sequence[dict[str, Any]], options: int) -> np.ndarray:
    marks = np.zeros((len(contents), options), dtype=np.int64)
    for row, content in enumerate(contents):
        marks[row, content["approved"]] = 1
    return marks


def _percent(part: Any, whole: Any) -> float:
    return _number(float(part) * 100 / float(whole)) if whole else 0.0


def tally(
    vote,
    labels: Sequence[str],
    ballots: Sequence[CastBallot],
    college_weights: dict[int, int],
    *,
    costs: Sequence[int | None] = (),
    capacities: Sequence[int | None] = (),
) -> dict[str, Any]:
    """The results of `vote` (its method, settings and option `labels`) from its `ballots`."""
    options = len(labels)
    method = vote.method
    weights = None if method == "allocation" else weights_of(ballots, college_weights)
    total = float(weights.sum()) if weights is not None else float(len(ballots))
    contents = [ballot.content for ballot in ballots]
    result: dict[str, Any] = {
        "method": method,
        "ballots": len(ballots),
        "weighted": weights is not None,
    }
    rows: list[dict[str, Any]] = [{"index": i, "label": label} for i, label in enumerate(labels)]
    ranking: list[int]
    winners: list[int]
    if method == "single":
        choices = [content["choice"] for content in contents]
        plural = tallies.plurality(choices, options, weights=weights)
        ranking, winners = plural.ranking, plural.winners
        for row in rows:
            row["votes"] = _number(plural.counts[row["index"]])
            row["percent"] = _percent(plural.counts[row["index"]], total)
    elif method == "approval":
        approved = tallies.approval(_marks(contents, options), weights=weights)
        ranking, winners = approved.ranking, approved.winners
        for row in rows:
            row["votes"] = _number(approved.counts[row["index"]])
            row["percent"] = _percent(approved.counts[row["index"]], total)
    elif method == "score":
        low, high = score_range(vote)
        scored = tallies.score_voting(
            _matrix(contents, "scores", options), min_score=low, max_score=high, weights=weights
        )
        ranking, winners = scored.ranking, scored.winners
        for row in rows:
            mean = scored.means[row["index"]]
            row["mean"] = None if np.isnan(mean) else _number(mean)
            row["distribution"] = [_number(v) for v in scored.distribution[row["index"]]]
        result["scale"] = [str(value) for value in range(low, high + 1)]
    elif method == "majority_judgement":
        scale = scale_of(vote)
        grades = _matrix(contents, "grades", options)
        details = tallies.majority_judgement_details(grades, len(scale), weights=weights)
        ranking = sorted(range(options), key=lambda option: details[option].rank)
        winners = ranking[:1] if ballots else []
        for row in rows:
            profile = details[row["index"]]
            row["majority_grade"] = int(profile.majority_grade) if ballots else None
            row["gauge"] = profile.gauge
            row["tied_with_next"] = bool(profile.tied_with_next)
            row["profile"] = [_number(v) for v in profile.counts]
            row["profile_percent"] = [_percent(v, total) for v in profile.counts]
        result["scale"] = scale
    elif method == "schulze":
        details = tallies.schulze_details(_matrix(contents, "ranks", options), weights=weights)
        ranking, winners = list(details.ranking), list(details.winners)
        result["pairwise"] = [[_number(v) for v in line] for line in details.pairwise]
        result["strongest"] = [[_number(v) for v in line] for line in details.strongest]
    elif method == "date_poll":
        polled = tallies.date_poll(_matrix(contents, "answers", options), weights=weights)
        ranking, winners = polled.ranking, polled.best
        for row in rows:
            row["yes"] = _number(polled.yes[row["index"]])
            row["if_need_be"] = _number(polled.if_need_be[row["index"]])
            row["no"] = _number(polled.no[row["index"]])
    elif method == "budget":
        budget = float(vote.settings.get("budget", 0))
        cost_array = np.asarray([cost or 0 for cost in costs], dtype=np.float64)
        marks = _marks(contents, options)
        greedy = tallies.pb_greedy(marks, cost_array, budget, weights=weights)
        shares = tallies.equal_shares(marks, cost_array, budget, weights=weights)
        for name, funded in (("greedy", greedy), ("equal_shares", shares)):
            groups = tallies.outcome_by_group(marks, funded, cost_array) if ballots else []
            result[name] = {
                "selected": sorted(int(i) for i in funded.selected),
                "cost": _number(funded.cost),
                "groups": [
                    {
                        "voters": int(group.voters),
                        "approved": [int(i) for i in group.approved],
                        "funded": [int(i) for i in group.funded],
                        "funded_cost": _number(group.funded_cost),
                    }
                    for group in groups
                ],
            }
        for row in rows:
            row["votes"] = _number(greedy.approvals[row["index"]])
            row["cost"] = costs[row["index"]] if costs else None
        result["budget"] = budget
        ranking = [int(i) for i in shares.selected]
        winners = ranking
    elif method == "allocation":
        caps = [capacity or 0 for capacity in capacities]
        objective = "worst_off" if vote.settings.get("objective") == "worst_off" else "total"
        preferences = _matrix(contents, "ranks", options)
        if ballots:
            allocated = tallies.allocate(preferences, caps, objective=objective)
            assignment = [int(item) for item in allocated.assignment]
            obtained = [int(rank) for rank in allocated.ranks]
            result["distribution"] = {str(k): int(v) for k, v in allocated.distribution.items()}
            result["unassigned"] = int(allocated.unassigned)
        else:
            assignment, obtained = [], []
            result["distribution"], result["unassigned"] = {}, 0
        result["objective"] = objective
        result["assignment"] = [
            {"voter": ballot.voter, "item": item, "rank": rank}
            for ballot, item, rank in zip(ballots, assignment, obtained, strict=True)
        ]
        for row in rows:
            row["capacity"] = caps[row["index"]]
            row["assigned"] = assignment.count(row["index"])
        ranking, winners = [], []
    elif method == "consent":
        codes = [CONSENT_POSITIONS.index(content["position"]) for content in contents]
        threshold = int(vote.settings.get("max_objections", DEFAULT_MAX_OBJECTIONS))
        rule = tallies.ConsentRule(objection_threshold=max(threshold, 1) / 100)
        decided = tallies.consent(codes, rule, weights=weights)
        result["counts"] = {
            name: _number(decided.counts[tallies.Response(code)])
            for code, name in enumerate(CONSENT_POSITIONS)
        }
        result["adopted"] = bool(decided.adopted) and bool(ballots)
        result["reason"] = decided.reason
        result["objection_percent"] = _number(decided.objection_share * 100)
        result["max_objections"] = threshold
        result["reasons"] = sorted(
            (
                {"position": c["position"], "reason": c["reason"]}
                for c in contents
                if c["position"] in ("object", "block") and c["reason"]
            ),
            key=lambda item: (item["position"], item["reason"]),
        )
        ranking = [0] if result["adopted"] else []
        winners = ranking
    else:
        raise ValueError(f"unsupported method {method!r}")
    result["ranking"] = [int(i) for i in ranking]
    result["winners"] = [int(i) for i in winners] if ballots else []
    result["winner"] = result["winners"][0] if len(result["winners"]) == 1 else None
    result["options"] = rows
    return result
