"""Nearest-rank percentiles for the evaluation and benchmark figures."""

from __future__ import annotations


def percentile(values: list[float], share: float) -> float:
    """The value at `share` (0.5 = median) of the sorted values, nearest rank; 0.0 for none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0
