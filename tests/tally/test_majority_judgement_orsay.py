"""Majority judgement on a published example: the Orsay experiment of the 2007 French
presidential election.

Source: M. Balinski and R. Laraki, "A theory of measuring, electing, and ranking", Proceedings
of the National Academy of Sciences 104(21), 8720–8725, 2007 (the experiment of the first round,
22 April 2007, at three polling stations of Orsay). Voters graded the twelve candidates Très
bien, Bien, Assez bien, Passable, Insuffisant or À rejeter; a candidate left without a grade
(« sans mention ») counts as À rejeter, as the authors counted it. The table below gives, per
candidate, the percentages of the voters in the order à rejeter | sans mention | insuffisant |
passable | assez bien | bien | très bien.

Published outcome: Bayrou, Royal and Sarkozy share the majority grade « Assez bien » and are
ranked Bayrou > Royal > Sarkozy by the majority gauge (Bayrou and Royal « + », Sarkozy « − »);
Le Pen is last.

How the table is counted. Each tenth of a percent is taken as one voter, so a candidate's row
is an integer merit profile. The rows were rounded one by one, so their totals are not all
1,000: most are 1,000 to 1,002 (rounding), but two rows are further off — Royal's sums to
97.4 % and Le Pen's to 105.2 % (`test_the_rows_totals`). These are the published figures, not a
slip of ours: an independent transcription of the same experiment (the association Mieux Voter's,
with the first-round scores beside the grades) gives the same two rows digit for digit. They are
kept as published, not adjusted: every candidate is counted on its own total (majority grade
and gauge from its own grades), and the ranking compares the candidates' profiles as shares of
their own totals (`rank_profiles` on real-valued profiles, each summing to 1), which is what
the authors' percentages are. The published outcome holds on these figures either way.
"""

import numpy as np
import pytest

from maillage.tally import (
    majority_judgement,
    majority_judgement_details,
    profile_details,
    rank_profiles,
)

SCALE = ("À rejeter", "Insuffisant", "Passable", "Assez bien", "Bien", "Très bien")
A_REJETER, INSUFFISANT, PASSABLE, ASSEZ_BIEN, BIEN, TRES_BIEN = range(6)

# à rejeter | sans mention | insuffisant | passable | assez bien | bien | très bien (percent)
ORSAY_2007 = {
    "Bayrou": (4.5, 2.9, 8.4, 14.8, 25.1, 30.7, 13.6),
    "Royal": (10.8, 1.8, 12.2, 14, 16.8, 19.1, 22.7),
    "Sarkozy": (26.5, 1.7, 7.1, 11.5, 14.3, 19.8, 19.1),
    "Voynet": (16.2, 4.3, 26.1, 23.7, 17.5, 9.3, 2.9),
    "Besancenot": (27.9, 3.2, 22.6, 16, 16.3, 9.9, 4.1),
    "Buffet": (26.1, 4.3, 26.4, 20.6, 12.5, 7.6, 2.5),
    "Bové": (35.3, 4.2, 25.7, 16, 11.4, 6, 1.5),
    "Laguiller": (34.8, 5.3, 25.9, 16.6, 10.2, 5.3, 2.1),
    "Nihous": (47.8, 7.2, 26.7, 11, 5.3, 1.8, 0.3),
    "de Villiers": (51.2, 4.3, 15.8, 11.3, 8.7, 6.4, 2.4),
    "Schivardi": (54.6, 5.8, 24.9, 9.5, 3.9, 1, 0.5),
    "Le Pen": (71.7, 2.7, 5.4, 8.1, 6.5, 6.2, 4.6),
}
CANDIDATES = list(ORSAY_2007)


def tally(percentages):
    """A row of the table as grade counts (tenths of a percent), « sans mention » in À rejeter."""
    tenths = [round(value * 10) for value in percentages]
    return np.array([tenths[0] + tenths[1], *tenths[2:]], dtype=np.int64)


def grades_of(counts):
    """The grades of one candidate's voters, worst first: a column for `majority_judgement`."""
    return np.repeat(np.arange(len(counts)), counts)[:, np.newaxis]


PROFILES = {name: tally(row) for name, row in ORSAY_2007.items()}


def test_the_rows_totals():
    """Rounding leaves ten rows within 1,000–1,002 tenths; two are further off as transcribed."""
    totals = {name: int(counts.sum()) for name, counts in PROFILES.items()}
    off = {name: total for name, total in totals.items() if not 1000 <= total <= 1002}
    assert off == {"Royal": 974, "Le Pen": 1052}


def test_each_candidate_s_majority_grade_and_gauge_on_their_own_tally():
    """The majority grade (lower median) and the gauge's sign of each candidate, counted on
    their own voters: the top three are « Assez bien », Bayrou and Royal « + », Sarkozy « − »."""
    found = {}
    for name, counts in PROFILES.items():
        (detail,) = majority_judgement_details(grades_of(counts), len(SCALE))
        assert detail.counts.tolist() == counts.tolist()
        found[name] = (SCALE[detail.majority_grade], detail.gauge)
    assert found["Bayrou"] == ("Assez bien", "+")
    assert found["Royal"] == ("Assez bien", "+")
    assert found["Sarkozy"] == ("Assez bien", "-")
    # the others, as these percentages give them
    assert found == {
        "Bayrou": ("Assez bien", "+"),
        "Royal": ("Assez bien", "+"),
        "Sarkozy": ("Assez bien", "-"),
        "Voynet": ("Passable", "-"),
        "Besancenot": ("Insuffisant", "+"),
        "Buffet": ("Insuffisant", "+"),
        "Bové": ("Insuffisant", "-"),
        "Laguiller": ("Insuffisant", "-"),
        "Nihous": ("À rejeter", "+"),
        "de Villiers": ("À rejeter", "+"),
        "Schivardi": ("À rejeter", "+"),
        "Le Pen": ("À rejeter", "+"),
    }


def test_the_published_order_bayrou_royal_sarkozy_and_le_pen_last():
    """The candidates' profiles as shares of their own totals, ranked by majority judgement."""
    shares = np.array([PROFILES[name] / PROFILES[name].sum() for name in CANDIDATES])
    ranking = [CANDIDATES[index] for index in rank_profiles(shares)]
    assert ranking[:3] == ["Bayrou", "Royal", "Sarkozy"]
    assert ranking[-1] == "Le Pen"
    # the whole order these percentages give
    assert ranking == [
        "Bayrou",
        "Royal",
        "Sarkozy",
        "Voynet",
        "Besancenot",
        "Buffet",
        "Bové",
        "Laguiller",
        "Nihous",
        "de Villiers",
        "Schivardi",
        "Le Pen",
    ]
    details = profile_details(shares)
    top = {CANDIDATES[d.option]: d for d in details if d.rank < 3}
    assert {name: SCALE[d.majority_grade] for name, d in top.items()} == dict.fromkeys(
        ["Bayrou", "Royal", "Sarkozy"], "Assez bien"
    )
    # Bayrou's gauge: 44.3 % above « Assez bien », 30.6 % below (the rounded percentages)
    assert (top["Bayrou"].share_above, top["Bayrou"].share_below) == pytest.approx((0.443, 0.306))
    assert (top["Sarkozy"].share_above, top["Sarkozy"].share_below) == pytest.approx((0.389, 0.468))
    assert top["Royal"].share_above > top["Royal"].share_below


def test_the_integer_interface_on_the_candidates_with_a_full_thousand():
    """`majority_judgement(grades)` (voters × options, 0 the worst) on the five candidates whose
    row sums to exactly 1,000 tenths: their columns are their sorted grades (the rule reads only
    each option's merit profile, not who gave which grade)."""
    full = [name for name in CANDIDATES if PROFILES[name].sum() == 1000]
    assert full == ["Bayrou", "Sarkozy", "Voynet", "Besancenot", "Buffet"]
    grades = np.hstack([grades_of(PROFILES[name]) for name in full])
    assert grades.shape == (1000, 5)
    assert [full[index] for index in majority_judgement(grades, len(SCALE))] == full
