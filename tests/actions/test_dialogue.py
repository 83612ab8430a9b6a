"""The dialogue data agrees with the actions: every interruption has its rule, every response exists."""

import re
from pathlib import Path
from typing import Any

import yaml

from actions.report_form import INTERRUPTIONS

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_every_interruption_has_a_rule_that_returns_to_the_form() -> None:
    rules = yaml.safe_load((REPO_ROOT / "nlu" / "dialogue" / "rules.yml").read_text(encoding="utf-8"))[
        "rules"
    ]
    handled = set()
    for rule in rules:
        if {"active_loop": "report_form"} not in rule.get("condition", []):
            continue
        steps = rule["steps"]
        if steps[-2:] == [{"action": "report_form"}, {"active_loop": "report_form"}] and "intent" in steps[0]:
            handled.add(steps[0]["intent"])
    assert handled == set(INTERRUPTIONS)


def test_every_response_the_actions_send_is_in_the_domain(domain: dict[str, Any]) -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "actions").glob("*.py"))
    used = set(re.findall(r'response="(utter_[a-z_]+)"', source))
    assert used, "no responses found in actions/"
    assert used <= set(domain["responses"])


def test_every_custom_action_is_declared(domain: dict[str, Any]) -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "actions").glob("*.py"))
    named = set(re.findall(r'return "((?:action|validate)_[a-z_]+)"', source)) | {"validate_report_form"}
    assert named == set(domain["actions"])
