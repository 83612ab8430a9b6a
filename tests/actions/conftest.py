"""Tracker fixtures in the style of RasaHQ/financial-demo: build a Tracker, run the action,
assert the exact events and messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

REPO_ROOT = Path(__file__).resolve().parents[2]
TrackerFactory = Callable[..., Tracker]


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def tracker_with() -> TrackerFactory:
    def build(text: str, intent: str, confidence: float = 0.95, **parse: Any) -> Tracker:
        latest_message = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": parse.pop("entities", []),
            **parse,
        }
        return Tracker(
            sender_id="test:1",
            slots={"issue_category": None, "place": None, "waste_item": None, "case_ref": None},
            latest_message=latest_message,
            events=[{"event": "user", "text": text, "parse_data": latest_message}],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return build
