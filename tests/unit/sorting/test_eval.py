"""`citysteward eval waste`: reading the held-out file, scoring, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from citysteward.evaluation.waste import GOAL_ACCURACY, HeldOut, evaluate, load_heldout, main, print_report
from sorting import Matcher, WasteIndex


def test_load_heldout_defaults_the_city_to_jiangmen(tmp_path: Path) -> None:
    (tmp_path / "queries.csv").write_text(
        "query,expected,city\n电池是什么垃圾,ambiguous,\n塑料袋,other,shanghai\n"
        '"果皮, 玻璃瓶",kitchen|recyclable,\n',
        encoding="utf-8",
    )
    rows = load_heldout(tmp_path)
    assert [(r.query, r.expected, r.city, r.source) for r in rows] == [
        ("电池是什么垃圾", "ambiguous", "jiangmen", "queries.csv:2"),
        ("塑料袋", "other", "shanghai", "queries.csv:3"),
        ("果皮, 玻璃瓶", "kitchen|recyclable", "jiangmen", "queries.csv:4"),
    ]


def test_load_heldout_refuses_a_wrong_header(tmp_path: Path) -> None:
    (tmp_path / "queries.csv").write_text("text,category\n电池,ambiguous\n", encoding="utf-8")
    with pytest.raises(ValueError, match="the header must be query,expected,city"):
        load_heldout(tmp_path)


def test_evaluate_scores_categories_multi_items_ambiguous_and_misses(index: WasteIndex) -> None:
    rows = [
        HeldOut("电池是什么垃圾", "ambiguous", "jiangmen", "q:2"),
        HeldOut("塑料袋", "other", "shanghai", "q:3"),
        HeldOut("果皮，玻璃瓶", "kitchen|recyclable", "jiangmen", "q:4"),
        HeldOut("榴莲壳", "other", "shanghai", "q:5"),  # Shanghai's override says kitchen: a miss
        HeldOut("狗屎", "other", "jiangmen", "q:6"),  # unknown: a miss
    ]
    report = evaluate(rows, lambda city: Matcher(city, index=index))
    assert report["queries"] == 5
    assert report["accuracy"] == pytest.approx(3 / 5)
    assert report["per_expected"] == {
        "ambiguous": {"n": 1, "accuracy": 1.0},
        "multi-item": {"n": 1, "accuracy": 1.0},
        "other": {"n": 3, "accuracy": pytest.approx(1 / 3)},
    }
    assert report["per_stage"] == {
        "ambiguous": {"n": 1, "correct": 1},
        "exact": {"n": 2, "correct": 1},
        "none": {"n": 1, "correct": 0},
        "sentence": {"n": 1, "correct": 1},
    }
    assert [(m["query"], m["got"], m["items"]) for m in report["misses"]] == [
        ("榴莲壳", "kitchen", ["榴莲壳"]),
        ("狗屎", "none", []),
    ]
    latency = report["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["max"]


def test_the_report_prints_the_goals(index: WasteIndex, capsys: pytest.CaptureFixture[str]) -> None:
    report = evaluate(
        [HeldOut("塑料袋", "other", "jiangmen", "q:2")], lambda city: Matcher(city, index=index)
    )
    print_report(report)
    out = capsys.readouterr().out
    assert f"accuracy             1.000   (goal >= {GOAL_ACCURACY}: ok)" in out
    assert "(goal p95 <= 2.0 ms: ok)" in out
    assert "misses: 0" in out


def test_no_heldout_files_is_said_plainly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(tmp_path)
    assert capsys.readouterr().out.startswith(f"no held-out waste queries in {tmp_path}")
