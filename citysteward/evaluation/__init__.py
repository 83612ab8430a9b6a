"""Evaluation scripts behind `make eval` (figures, not pass/fail tests)."""
