"""The resident's rating of a closed case: 满意 / 基本满意 / 不满意 (+ an optional comment).

The rating comes from a button (`/rate_service{"rating": "dissatisfied", "case_ref": "JM…"}`, the
entity `rating`) or from the resident's words ("还行吧" -> basically_satisfied). The case is the one
named in the message, else the resident's most recent closed case. 不满意 reopens the case.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.case_status import case_ref_of, tell_case_problem
from actions.formatting import RATINGS, rating_buttons
from actions.pending_reports import nudge_retry
from actions.platform_client import PlatformClient, PlatformError, PlatformUnavailable, Resident
from actions.residents import resident_of

logger = logging.getLogger(__name__)

# Checked in this order: "不满意" and "基本满意" both contain "满意".
RATING_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "dissatisfied",
        (
            "不满意", "不滿意", "不太满意", "不太滿意", "唔系好满意", "唔满意", "唔滿意", "差评", "差評",
            "没解决", "沒解決", "没彻底解决", "没处理好", "敷衍", "失望", "太慢", "好差", "很差", "真差",
            "一星", "两分", "唔得", "老样子", "老樣子", "not satisfied", "unsatisfied", "bad",
        ),
    ),
    (
        "basically_satisfied",
        (
            "基本满意", "基本滿意", "还算满意", "一般", "还行", "還行", "还可以", "還可以", "马马虎虎",
            "麻麻地", "勉强", "及格", "凑合", "三星", "四星",
        ),
    ),
    (
        "satisfied",
        (
            "满意", "滿意", "好评", "好評", "点赞", "赞", "讚", "不错", "很好", "挺好", "及时", "很快",
            "五星", "满分", "10分", "表扬", "搞掂", "good", "great",
        ),
    ),
)  # fmt: skip
# What is left of "非常不满意！" once the rating words go is no comment.
_INTENSIFIERS = (
    "非常", "十分", "特别", "很", "挺", "太", "超", "好", "的", "了", "吧", "啊", "呀", "啦", "给个", "给",
)  # fmt: skip
_NOT_WORD = re.compile(r"[\W_]+")


def rating_of(message: dict[str, Any]) -> str | None:
    for entity in message.get("entities", []):
        if entity.get("entity") == "rating" and entity.get("value") in RATINGS:
            return str(entity["value"])
    text = str(message.get("text") or "")
    if text.startswith("/"):
        return None
    lowered = text.lower()
    for rating, words in RATING_WORDS:
        if any(word in lowered for word in words):
            return rating
    return None


def comment_of(message: dict[str, Any]) -> str | None:
    """The resident's own words when they say more than the rating itself."""
    text = str(message.get("text") or "").strip()
    if not text or text.startswith("/"):
        return None
    rest = _NOT_WORD.sub("", text.lower())
    words = {w for _, group in RATING_WORDS for w in group} | set(_INTENSIFIERS)
    for word in sorted(words, key=len, reverse=True):
        rest = rest.replace(word, "")
    return text[:1000] if len(rest) >= 2 else None


class ActionRateService(Action):
    def name(self) -> str:
        return "action_rate_service"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        nudge_retry()
        message = tracker.latest_message or {}
        resident = resident_of(tracker)
        client = PlatformClient.from_environment()
        code = case_ref_of(message)
        rating = rating_of(message)
        try:
            if code is None:
                code = await self._case_to_rate(dispatcher, client, resident)
                if code is None:
                    return []
            if rating is None:
                dispatcher.utter_message(response="utter_ask_rating", code=code, buttons=rating_buttons(code))
                return []
            await asyncio.to_thread(client.rate, code, resident, rating, comment_of(message))
        except PlatformUnavailable as error:
            logger.warning("platform unreachable for a rating: %s", error)
            dispatcher.utter_message(response="utter_rating_unavailable")
            return []
        except PlatformError as error:
            await self._tell_refusal(dispatcher, client, resident, code or "", error)
            return []
        if rating == "dissatisfied":
            dispatcher.utter_message(response="utter_rating_reopened", code=code)
        else:
            dispatcher.utter_message(response="utter_rating_thanks", code=code)
        return []

    @staticmethod
    async def _case_to_rate(
        dispatcher: CollectingDispatcher, client: PlatformClient, resident: Resident
    ) -> str | None:
        """The resident's most recent closed case, or None after telling them why there is none."""
        cases = await asyncio.to_thread(client.resident_cases, resident, 10)
        for case in cases:
            if case.get("status") == "closed":
                return str(case["code"])
        if any(case.get("status") not in ("closed", "rated", "rejected") for case in cases):
            dispatcher.utter_message(response="utter_rating_nothing_closed")
        else:
            dispatcher.utter_message(response="utter_rating_no_case")
        return None

    @staticmethod
    async def _tell_refusal(
        dispatcher: CollectingDispatcher,
        client: PlatformClient,
        resident: Resident,
        code: str,
        error: PlatformError,
    ) -> None:
        if error.code == "already_rated":
            dispatcher.utter_message(response="utter_rating_already", code=code)
            return
        if error.code == "not_closed":
            try:
                case = await asyncio.to_thread(client.case, code, resident)
            except (PlatformError, PlatformUnavailable):
                case = {}
            if case.get("status") == "rated":
                dispatcher.utter_message(response="utter_rating_already", code=code)
            else:
                dispatcher.utter_message(response="utter_rating_not_closed", code=code)
            return
        tell_case_problem(dispatcher, code, error)
