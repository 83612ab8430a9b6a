from citysteward.nlu.contract import to_contract


def selector(key: str, confidence: float) -> dict[str, object]:
    return {
        "report_issue": {
            "response": {"intent_response_key": f"report_issue/{key}", "confidence": confidence},
            "ranking": [{"intent_response_key": f"report_issue/{key}", "confidence": confidence}],
        }
    }


def test_report_issue_carries_the_selected_category() -> None:
    parse = {
        "intent": {"name": "report_issue", "confidence": 0.97},
        "entities": [{"entity": "place", "value": "五邑路", "start": 0, "end": 3, "confidence_entity": 0.9}],
        "response_selector": selector("manhole", 0.88),
    }
    result = to_contract("五邑路井盖没了", parse)
    assert result == {
        "text": "五邑路井盖没了",
        "intent": {"name": "report_issue", "confidence": 0.97},
        "entities": [{"entity": "place", "value": "五邑路", "start": 0, "end": 3, "confidence": 0.9}],
        "issue_category": "manhole",
        "waste_item": None,
        "fallback": False,
    }


def test_category_is_null_for_other_intents_even_if_the_selector_ran() -> None:
    parse = {
        "intent": {"name": "ask_waste_sorting", "confidence": 0.9},
        "entities": [{"entity": "waste_item", "value": "电池", "start": 0, "end": 2}],
        "response_selector": selector("exposed_garbage", 0.5),
    }
    result = to_contract("电池是什么垃圾", parse)
    assert result["issue_category"] is None
    assert result["waste_item"] == "电池"


def test_button_entity_overrides_the_selector() -> None:
    parse = {
        "intent": {"name": "report_issue", "confidence": 1.0},
        "entities": [{"entity": "issue_category", "value": "noise"}],
        "response_selector": selector("cooking_fumes", 0.4),
    }
    assert to_contract('/report_issue{"issue_category":"noise"}', parse)["issue_category"] == "noise"


def test_fallback_reports_the_best_canonical_intent() -> None:
    parse = {
        "intent": {"name": "nlu_fallback", "confidence": 0.55},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.55},
            {"name": "greet", "confidence": 0.31},
            {"name": "thank", "confidence": 0.2},
        ],
        "entities": [],
    }
    result = to_contract("😀😀", parse)
    assert result["intent"] == {"name": "greet", "confidence": 0.31}
    assert result["fallback"] is True


def test_empty_parse_has_no_intent() -> None:
    assert to_contract("", {}) == {
        "text": "",
        "intent": {"name": None, "confidence": 0.0},
        "entities": [],
        "issue_category": None,
        "waste_item": None,
        "fallback": False,
    }
