"""`citysteward eval waste`: the matcher's accuracy and latency on tests/waste_heldout/*.csv.

Each row is `query,expected,city`: expected is a category key, `|`-joined keys for a question
about several items (in order of mention), or `ambiguous`; an empty city is jiangmen. A row is
correct when the lookup's category keys equal the expected ones (ambiguous: match is
"ambiguous"). Latency is the matcher's own (`time.perf_counter` around `lookup`): every query
after a warm-up pass, the median of three passes per query; p50/p95 over the queries.
A benchmark: the exit status is 0 whatever the figures.
"""

from __future__ import annotations

import csv
import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citysteward import paths
from citysteward.percentiles import percentile
from sorting import Lookup, Matcher, matcher

HELDOUT_DIR = paths.REPO_ROOT / "tests" / "waste_heldout"
DEFAULT_CITY = "jiangmen"
HEADER = ("query", "expected", "city")
GOAL_ACCURACY = 0.97
GOAL_P95_MS = 2.0
MULTI = "multi-item"
MEASURED_PASSES = 3
"""Each query's latency is the median of this many passes (after a warm-up pass), so that one
scheduler hiccup on a busy 2-core machine does not count as the matcher's time."""


@dataclass(frozen=True)
class HeldOut:
    query: str
    expected: str
    city: str
    source: str  # file:line


def load_heldout(directory: Path = HELDOUT_DIR) -> list[HeldOut]:
    rows: list[HeldOut] = []
    for path in sorted(directory.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != HEADER:
                raise ValueError(f"{path}:1: the header must be {','.join(HEADER)}")
            for row in reader:
                query = (row["query"] or "").strip()
                if query:
                    expected = "|".join(k.strip() for k in (row["expected"] or "").split("|"))
                    city = (row["city"] or "").strip() or DEFAULT_CITY
                    rows.append(HeldOut(query, expected, city, f"{path.name}:{reader.line_num}"))
    return rows


def outcome(found: Lookup) -> str:
    """What the lookup says, in the held-out file's terms."""
    if found.match in ("ambiguous", "none"):
        return found.match
    return "|".join(a.category_key for a in found.answers)


def evaluate(rows: Iterable[HeldOut], matcher_for: Callable[[str], Matcher] = matcher) -> dict[str, Any]:
    rows = list(rows)
    matchers = {row.city: matcher_for(row.city) for row in rows}
    for row in rows:  # warm-up, not measured
        matchers[row.city].lookup(row.query)
    timings: list[list[float]] = [[] for _ in rows]
    found_in: list[Lookup] = []
    for _ in range(MEASURED_PASSES):
        found_in = []
        for row, times in zip(rows, timings, strict=True):
            found_matcher = matchers[row.city]
            started = time.perf_counter()
            found = found_matcher.lookup(row.query)
            times.append((time.perf_counter() - started) * 1000)
            found_in.append(found)
    results = [
        (row, found, statistics.median(times))
        for row, found, times in zip(rows, found_in, timings, strict=True)
    ]
    per_expected: dict[str, list[bool]] = defaultdict(list)
    per_stage: dict[str, list[bool]] = defaultdict(list)
    misses = []
    correct_count = 0
    for row, found, _ in results:
        got = outcome(found)
        correct = got == row.expected
        correct_count += correct
        per_expected[MULTI if "|" in row.expected else row.expected].append(correct)
        per_stage[found.match].append(correct)
        if not correct:
            misses.append(
                {
                    "query": row.query,
                    "city": row.city,
                    "expected": row.expected,
                    "got": got,
                    "match": found.match,
                    "items": [a.item for a in found.answers],
                    "understood": found.contract()["understood"],
                    "source": row.source,
                }
            )
    latencies = [ms for _, _, ms in results]
    total = len(results)
    return {
        "queries": total,
        "accuracy": correct_count / total if total else 0.0,
        "per_expected": {
            key: {"n": len(v), "accuracy": sum(v) / len(v)} for key, v in sorted(per_expected.items())
        },
        "per_stage": {key: {"n": len(v), "correct": sum(v)} for key, v in sorted(per_stage.items())},
        "cities": dict(Counter(r.city for r in rows)),
        "latency_ms": {
            "p50": percentile(latencies, 0.5),
            "p95": percentile(latencies, 0.95),
            "max": max(latencies, default=0.0),
            "mean": statistics.fmean(latencies) if latencies else 0.0,
        },
        "misses": misses,
    }


def print_report(report: dict[str, Any]) -> None:
    cities = ", ".join(f"{city} {n}" for city, n in report["cities"].items())
    print(f"waste held-out queries: {report['queries']} ({cities})")
    mark = "ok" if report["accuracy"] >= GOAL_ACCURACY else "BELOW GOAL"
    print(f"accuracy             {report['accuracy']:.3f}   (goal >= {GOAL_ACCURACY}: {mark})")
    for key, figures in report["per_expected"].items():
        print(f"  expected {key:<12} {figures['accuracy']:.3f}   ({figures['n']} queries)")
    print("match stage          queries  correct")
    for key, figures in report["per_stage"].items():
        print(f"  {key:<18} {figures['n']:>7}  {figures['correct']:>7}")
    latency = report["latency_ms"]
    mark = "ok" if latency["p95"] <= GOAL_P95_MS else "ABOVE GOAL"
    print(
        f"lookup latency       p50 {latency['p50']:.3f} ms, p95 {latency['p95']:.3f} ms,"
        f" max {latency['max']:.3f} ms   (goal p95 <= {GOAL_P95_MS} ms: {mark})"
    )
    print(f"misses: {len(report['misses'])}")
    for miss in report["misses"]:
        items = "、".join(miss["items"]) or "-"
        print(
            f"  {miss['query']} [{miss['city']}]: expected {miss['expected']}, got {miss['got']}"
            f" ({miss['match']}: {items})"
        )


def main(directory: Path = HELDOUT_DIR) -> None:
    rows = load_heldout(directory)
    if not rows:
        print(f"no held-out waste queries in {directory} (*.csv with {','.join(HEADER)})")
        return
    report = evaluate(rows)
    out = paths.VAR_DIR / "results" / "waste-eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print_report(report)
    print(f"details: {out}")
