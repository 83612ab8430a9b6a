from pathlib import Path

import pytest

from citysteward.evaluation.nlu import Prediction, entity_f1, macro_f1, report
from citysteward.nlu.training_data import Entity, Example
from citysteward.percentiles import percentile


def example(intent: str, category: str | None = None, entities: tuple[Entity, ...] = ()) -> Example:
    return Example("x", intent, category, entities, Path("x.yml"))


def result(
    intent: str,
    confidence: float,
    category: str | None = None,
    entities: list[dict[str, object]] | None = None,
) -> dict[str, object]:
    return {"intent": {"name": intent, "confidence": confidence}, "issue_category": category,
            "entities": entities or [], "fallback": confidence < 0.55}  # fmt: skip


def test_macro_f1_averages_per_label() -> None:
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
    # a: p=1, r=0.5 -> 0.667 ; b: p=0.667, r=1 -> 0.8
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 0.8) / 2)


def test_entity_f1_counts_exact_spans_only() -> None:
    gold = (Entity("place", "五邑路", 0, 3), Entity("waste_item", "电池", 5, 7))
    predicted = [
        {"entity": "place", "start": 0, "end": 3},
        {"entity": "waste_item", "start": 5, "end": 6},
    ]
    scores = entity_f1(
        [Prediction(example("inform", entities=gold), result("inform", 0.9, entities=predicted), 0.01)]
    )
    assert scores == {"place": (1.0, 1), "waste_item": (0.0, 1)}


def test_percentile_picks_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0


def test_report_figures() -> None:
    predictions = [
        Prediction(example("report_issue", "manhole"), result("report_issue", 0.9, "manhole"), 0.010),
        Prediction(example("report_issue", "noise"), result("report_issue", 0.8, "cooking_fumes"), 0.020),
        Prediction(example("greet"), result("thank", 0.4), 0.030),
        Prediction(example("greet"), result("greet", 0.95), 0.040),
    ]
    figures = report(predictions)
    assert figures["intent_accuracy"] == 0.75
    assert figures["category_accuracy"] == 0.5
    assert figures["category_confusions"] == [("noise -> cooking_fumes", 1)]
    at_half = next(t for t in figures["thresholds"] if t["threshold"] == 0.5)
    assert at_half["fallback_rate"] == 0.25
    assert at_half["accuracy_when_answered"] == 1.0
    assert at_half["errors_caught"] == 1.0
    assert len(figures["misses"]) == 2
