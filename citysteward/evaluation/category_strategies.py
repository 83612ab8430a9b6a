"""`citysteward eval category-strategies`: how should the complaint category be predicted?

Our model (config.yml) makes report_issue a retrieval intent and ranks the categories with a
ResponseSelector. The alternative measured here gives DIET one intent per category
(report__<key>), trained on the same examples with the same pipeline otherwise, and folds
them back into report_issue + category for scoring. Both are scored on tests/nlu_heldout.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from citysteward import paths
from citysteward.evaluation.nlu import Prediction, predict_with_new_server, report
from citysteward.nlu.training_data import load_examples

FLAT_PREFIX = "report__"


def write_flat_variant(target: Path) -> Path:
    """Training data with report_issue/<key> renamed to report__<key>; returns the config path."""
    data = target / "data"
    data.mkdir()
    for path in sorted((paths.REPO_ROOT / "nlu").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if "nlu:" not in text:
            continue
        flat = text.replace("intent: report_issue/", f"intent: {FLAT_PREFIX}")
        (data / f"{path.parent.name}-{path.name}").write_text(flat, encoding="utf-8")
    config = yaml.safe_load((paths.REPO_ROOT / "config.yml").read_text(encoding="utf-8"))
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] != "ResponseSelector"]
    for component in config["pipeline"]:
        if component["name"] == "JiebaTokenizer":
            component["dictionary_path"] = str(paths.REPO_ROOT / component["dictionary_path"])
    config_path = target / "config.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return config_path


def fold(prediction: Prediction) -> Prediction:
    """report__<key> -> intent report_issue with issue_category <key>."""
    result = dict(prediction.result)
    name = result["intent"]["name"] or ""
    if name.startswith(FLAT_PREFIX):
        result["intent"] = {**result["intent"], "name": "report_issue"}
        result["issue_category"] = name[len(FLAT_PREFIX) :]
    return dataclasses.replace(prediction, result=result)


def main() -> None:
    examples = load_examples(paths.HELDOUT_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        config = write_flat_variant(Path(tmp))
        started = time.monotonic()
        subprocess.run(
            [str(paths.RASA_BIN), "train", "nlu", "--nlu", str(Path(tmp) / "data"), "--config", str(config),
             "--out", str(Path(tmp) / "models"), "--fixed-model-name", "flat", "--quiet"],
            cwd=paths.REPO_ROOT, check=True,
        )  # fmt: skip
        train_seconds = time.monotonic() - started
        flat = report(
            [
                fold(p)
                for p in predict_with_new_server(
                    examples, Path(tmp) / "models" / "flat.tar.gz", "eval-flat.log"
                )
            ]
        )
    selector = report(predict_with_new_server(examples, None, "eval-rasa.log"))
    rows = [("ResponseSelector (config.yml)", selector), ("one DIET intent per category", flat)]
    print(f"held-out: {selector['examples']} examples, {selector['complaint_examples']} complaints")
    print(f"{'strategy':<32}{'intent acc':>11}{'category acc':>14}{'category F1':>13}{'p50 ms':>8}")
    for name, r in rows:
        print(
            f"{name:<32}{r['intent_accuracy']:>11.3f}{r['category_accuracy']:>14.3f}"
            f"{r['category_macro_f1']:>13.3f}{r['latency_ms']['p50']:>8.1f}"
        )
    print(f"flat variant NLU training time: {train_seconds:.0f} s")
    out = paths.VAR_DIR / "results" / "category-strategies.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(dict(rows), ensure_ascii=False, indent=2), encoding="utf-8")
