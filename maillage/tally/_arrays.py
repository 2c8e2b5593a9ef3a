"""Input checks shared by the tally methods: every method takes plain arrays, voters first."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def int_matrix(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a 2-D integer array (voters × options), or a ValueError naming it."""
    array = np.asarray(values)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (voters × options), got {array.ndim} dimensions"
        )
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if np.issubdtype(array.dtype, np.bool_):
            return array.astype(np.int64)
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise ValueError(f"{name} must hold integers")
    return array.astype(np.int64, copy=False)


def bool_matrix(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a 2-D boolean array (voters × options); only 0/1 or True/False accepted."""
    array = int_matrix(values, name)
    if array.size and (array.min() < 0 or array.max() > 1):
        raise ValueError(f"{name} must hold only 0 and 1")
    return array.astype(bool)


def voter_weights(weights: ArrayLike | None, n_voters: int) -> np.ndarray | None:
    """Per-voter weights as float64 (n_voters,), non-negative; None (one voter, one vote) stays."""
    if weights is None:
        return None
    array = np.asarray(weights, dtype=np.float64)
    if array.shape != (n_voters,):
        raise ValueError(
            f"weights must have one value per voter ({n_voters}), got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError("weights must be finite and non-negative")
    return array


def weighted_column_sums(mask: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Column sums of a voters × options 0/1 matrix: counts, or weighted counts when weighted."""
    if weights is None:
        return mask.sum(axis=0, dtype=np.int64)
    return weights @ mask.astype(np.float64)


def ranking_by(keys: list[np.ndarray]) -> list[int]:
    """Option indices ordered by the keys, each larger-is-better, the first key first.

    Equal options keep their index order (a stable order, so the ranking is reproducible).
    """
    order = np.lexsort(
        [np.arange(keys[0].size)] + [-np.asarray(k, dtype=np.float64) for k in reversed(keys)]
    )
    return [int(i) for i in order]


def tied_groups(ranking: list[int], *keys: np.ndarray) -> list[list[int]]:
    """Consecutive options of ``ranking`` equal on every key, in groups."""
    groups: list[list[int]] = []
    for option in ranking:
        if groups and all(key[groups[-1][0]] == key[option] for key in keys):
            groups[-1].append(option)
        else:
            groups.append([option])
    return groups
