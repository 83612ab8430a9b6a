"""Rasa parse result -> the `citysteward nlu parse` JSON contract of ARCHITECTURE.md.

{"text", "intent": {"name", "confidence"}, "entities": [...], "issue_category": KEY|null,
 "waste_item": STR|null, "fallback": bool}

`intent` is always a canonical intent (or null for empty text): when Rasa's FallbackClassifier
answered `nlu_fallback`, we report the best canonical intent and set `fallback` to true.
"""

from __future__ import annotations

from typing import Any

FALLBACK_INTENT = "nlu_fallback"
REPORT_INTENT = "report_issue"


def _best_canonical_intent(parse: dict[str, Any]) -> tuple[str | None, float]:
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if name != FALLBACK_INTENT:
        return name, confidence
    for ranked in parse.get("intent_ranking") or []:
        if ranked.get("name") != FALLBACK_INTENT:
            return ranked.get("name"), float(ranked.get("confidence") or 0.0)
    return None, 0.0


def _issue_category(parse: dict[str, Any]) -> str | None:
    for entity in parse.get("entities") or []:
        if entity.get("entity") == "issue_category":
            return str(entity.get("value"))
    selected = (parse.get("response_selector") or {}).get(REPORT_INTENT) or {}
    key = str((selected.get("response") or {}).get("intent_response_key") or "")
    return key.partition("/")[2] or None


def to_contract(text: str, parse: dict[str, Any]) -> dict[str, Any]:
    name, confidence = _best_canonical_intent(parse)
    entities = [
        {
            "entity": e.get("entity"),
            "value": e.get("value"),
            "start": e.get("start"),
            "end": e.get("end"),
            "confidence": e.get("confidence_entity"),
        }
        for e in parse.get("entities") or []
    ]
    waste_items = [e["value"] for e in entities if e["entity"] == "waste_item"]
    return {
        "text": text,
        "intent": {"name": name, "confidence": round(confidence, 4)},
        "entities": entities,
        "issue_category": _issue_category(parse) if name == REPORT_INTENT else None,
        "waste_item": waste_items[0] if waste_items else None,
        "fallback": (parse.get("intent") or {}).get("name") == FALLBACK_INTENT,
    }
