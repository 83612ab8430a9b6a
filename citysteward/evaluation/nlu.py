"""`make eval`: NLU figures on the held-out split (tests/nlu_heldout, never trained on).

Prints intent accuracy and macro-F1, complaint-category accuracy, entity F1 per entity, the most
frequent confusions, how the fallback threshold trades coverage for accuracy, and /model/parse
latency p50/p95 against a running Rasa server (one is started on a free port unless given).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from citysteward import paths
from citysteward.nlu.contract import to_contract
from citysteward.nlu.training_data import Example, load_examples
from citysteward.percentiles import percentile

THRESHOLDS = (0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8)
BLIND_SPLIT = "blind"


@dataclass(frozen=True)
class Prediction:
    example: Example
    result: dict[str, Any]
    seconds: float

    @property
    def intent(self) -> str | None:
        return self.result["intent"]["name"]  # type: ignore[no-any-return]

    @property
    def confidence(self) -> float:
        return float(self.result["intent"]["confidence"])


def f1(true_positives: int, predicted: int, actual: int) -> float:
    if true_positives == 0:
        return 0.0
    precision, recall = true_positives / predicted, true_positives / actual
    return 2 * precision * recall / (precision + recall)


def macro_f1(pairs: Iterable[tuple[str | None, str | None]]) -> float:
    pairs = list(pairs)
    labels = {gold for gold, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for gold, pred in pairs if gold == label and pred == label)
        scores.append(
            f1(tp, sum(1 for _, pred in pairs if pred == label), sum(1 for g, _ in pairs if g == label))
        )
    return statistics.fmean(scores) if scores else 0.0


def entity_f1(predictions: list[Prediction]) -> dict[str, tuple[float, int]]:
    """Exact-span F1 per entity type, with the number of gold spans."""
    gold: Counter[str] = Counter()
    found: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for p in predictions:
        expected = {(e.entity, e.start, e.end) for e in p.example.entities}
        got = {
            (e["entity"], e["start"], e["end"])
            for e in p.result["entities"]
            if e["entity"] != "issue_category"
        }
        for entity, *_ in expected:
            gold[entity] += 1
        for entity, *_ in got:
            found[entity] += 1
        for entity, *_ in expected & got:
            correct[entity] += 1
    return {name: (f1(correct[name], found[name], gold[name]), gold[name]) for name in sorted(gold)}


def predict(examples: list[Example], rasa_url: str, token: str) -> list[Prediction]:
    with httpx.Client(base_url=rasa_url, timeout=60.0, params={"token": token}) as client:
        for example in examples[:10]:  # warm-up, not measured
            client.post("/model/parse", json={"text": example.text}).raise_for_status()
        predictions = []
        for example in examples:
            started = time.perf_counter()
            response = client.post("/model/parse", json={"text": example.text})
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            predictions.append(Prediction(example, to_contract(example.text, response.json()), elapsed))
    return predictions


def report(predictions: list[Prediction]) -> dict[str, Any]:
    intent_pairs = [(p.example.intent, p.intent) for p in predictions]
    complaints = [p for p in predictions if p.example.category]
    category_pairs = [(p.example.category, p.result["issue_category"]) for p in complaints]
    latencies_ms = [p.seconds * 1000 for p in predictions]
    errors = [p for p in predictions if p.intent != p.example.intent]
    thresholds = []
    for t in THRESHOLDS:
        kept = [p for p in predictions if p.confidence >= t]
        thresholds.append(
            {
                "threshold": t,
                "fallback_rate": 1 - len(kept) / len(predictions),
                "accuracy_when_answered": sum(p.intent == p.example.intent for p in kept) / max(1, len(kept)),
                "errors_caught": sum(p.confidence < t for p in errors) / max(1, len(errors)),
            }
        )
    return {
        "examples": len(predictions),
        "complaint_examples": len(complaints),
        "intent_accuracy": sum(g == p for g, p in intent_pairs) / len(intent_pairs),
        "intent_macro_f1": macro_f1(intent_pairs),
        "category_accuracy": sum(g == p for g, p in category_pairs) / max(1, len(category_pairs)),
        "category_macro_f1": macro_f1(category_pairs),
        "entity_f1": {k: {"f1": v[0], "support": v[1]} for k, v in entity_f1(predictions).items()},
        "intent_confusions": Counter(f"{g} -> {p}" for g, p in intent_pairs if g != p).most_common(10),
        "category_confusions": Counter(f"{g} -> {p}" for g, p in category_pairs if g != p).most_common(10),
        "fallback_rate_at_config": sum(p.result["fallback"] for p in predictions) / len(predictions),
        "thresholds": thresholds,
        "latency_ms": {"p50": percentile(latencies_ms, 0.5), "p95": percentile(latencies_ms, 0.95)},
        "misses": [
            {"text": p.example.text, "gold": p.example.category or p.example.intent,
             "got": p.result["issue_category"] or p.intent}
            for p in predictions
            if p.intent != p.example.intent or p.result["issue_category"] != p.example.category
        ],
    }  # fmt: skip


def print_report(r: dict[str, Any]) -> None:
    print(f"held-out examples: {r['examples']} ({r['complaint_examples']} complaints)")
    print(f"intent accuracy      {r['intent_accuracy']:.3f}   (goal >= 0.95)")
    print(f"intent macro-F1      {r['intent_macro_f1']:.3f}")
    print(f"category accuracy    {r['category_accuracy']:.3f}   (goal >= 0.93)")
    print(f"category macro-F1    {r['category_macro_f1']:.3f}")
    for name, score in r["entity_f1"].items():
        print(f"entity F1 {name:<11}{score['f1']:.3f}   ({score['support']} spans)")
    latency = r["latency_ms"]
    print(f"parse latency        p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms (goal p50 <= 20)")
    print(f"fallback rate at the configured threshold: {r['fallback_rate_at_config']:.3f}")
    print("threshold  fallback-rate  accuracy-when-answered  intent-errors-caught")
    for t in r["thresholds"]:
        print(
            f"{t['threshold']:>9.2f}  {t['fallback_rate']:>13.3f}  {t['accuracy_when_answered']:>22.3f}"
            f"  {t['errors_caught']:>20.3f}"
        )
    for title, key in (
        ("intent confusions", "intent_confusions"),
        ("category confusions", "category_confusions"),
    ):
        print(f"{title}: " + (", ".join(f"{pair} x{n}" for pair, n in r[key]) or "none"))


def predict_with_new_server(examples: list[Example], model: Path | None, log_name: str) -> list[Prediction]:
    """Start a Rasa server with the model (default: the newest) on free ports, predict, stop it."""
    from citysteward.stack import StackConfig, free_port, start_service, stop_service

    config = StackConfig(
        rasa_port=free_port(),
        actions_port=free_port(),
        platform_port=free_port(),
        rasa_auth_token="eval",
        platform_api_token="eval",
        rasa_tracker_db=paths.VAR_DIR / "eval-tracker.db",
    )
    print(f"starting a Rasa server on {config.rasa_url} …", flush=True)
    server = start_service("rasa", config, paths.VAR_DIR / "logs" / log_name, model=model)
    try:
        return predict(examples, config.rasa_url, config.rasa_auth_token)
    finally:
        stop_service(server)


def main(rasa_url: str | None) -> None:
    examples = load_examples(paths.HELDOUT_DIR)
    if rasa_url:
        predictions = predict(examples, rasa_url, os.environ.get("RASA_AUTH_TOKEN", ""))
    else:
        predictions = predict_with_new_server(examples, None, "eval-rasa.log")
    blind = [p for p in predictions if BLIND_SPLIT in p.example.source.parts]
    results: dict[str, dict[str, Any]] = {"all": report(predictions)}
    if blind:
        results["blind"] = report(blind)
    out = paths.VAR_DIR / "results" / "nlu-eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print("== all held-out data (tests/nlu_heldout)")
    print_report(results["all"])
    if "blind" in results:
        print(f"\n== blind split only (tests/nlu_heldout/{BLIND_SPLIT}: never seen by training-data writers)")
        print_report(results["blind"])
    print(f"details and every miss: {out.relative_to(paths.REPO_ROOT)}")
