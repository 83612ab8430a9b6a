"""Progress of a resident's cases: the recent ones as a list, or one case's stage and history."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.formatting import local_time, rating_buttons, unit_name
from actions.pending_reports import PendingReports, nudge_retry
from actions.platform_client import Case, PlatformClient, PlatformError, PlatformUnavailable
from actions.residents import resident_of

logger = logging.getLogger(__name__)

# City prefix, date, sequence: JM20261123-0007; residents type jm202611230007 or add spaces.
CASE_CODE = re.compile(r"(?<![A-Za-z])([A-Za-z]{2})\s*(\d{8})\s*-?\s*(\d{4})(?!\d)")
RECENT_CASES = 5
HISTORY_STEPS = 3
FINAL_STATUSES = frozenset({"closed", "rated", "rejected"})
# Names for history steps when the platform sends only the status key.
STATUS_NAMES = {
    "reported": "已受理",
    "filed": "已立案",
    "rejected": "不予立案",
    "dispatched": "已派遣，处置中",
    "handled": "已处置，待核查",
    "returned": "核查未通过，重新处置中",
    "verified": "已核查",
    "closed": "已结案",
    "rated": "已评价",
    "reopened": "已重新受理",
}


def normalise_case_ref(text: Any) -> str | None:
    """ "jm202611230007" -> "JM20261123-0007"; None when there is no case code in the text."""
    match = CASE_CODE.search(str(text or ""))
    if not match:
        return None
    prefix, date, sequence = match.groups()
    return f"{prefix.upper()}{date}-{sequence}"


def case_ref_of(message: dict[str, Any]) -> str | None:
    """The case the message names: the case_ref entity (DIET or a button), else a code in the text."""
    for entity in message.get("entities", []):
        if entity.get("entity") == "case_ref":
            code = normalise_case_ref(entity.get("value"))
            if code:
                return code
    return normalise_case_ref(message.get("text"))


def status_button(code: str) -> dict[str, str]:
    payload = json.dumps({"case_ref": code}, ensure_ascii=False)
    return {"title": f"查看 {code}", "payload": f"/check_case_status{payload}"}


def overdue_mark(case: Case) -> str:
    return "（已超期）" if case.get("overdue") else ""


def case_line(number: int, case: Case) -> str:
    parts = [
        str(case.get("code")),
        str(case.get("category_name") or case.get("category") or ""),
        str(case.get("status_name") or case.get("status") or ""),
    ]
    deadline = local_time(case.get("deadline"))
    if deadline and case.get("status") not in FINAL_STATUSES:
        parts.append(f"预计 {deadline} 前办结")
    return f"{number}. " + "｜".join(parts) + overdue_mark(case)


def history_lines(case: Case) -> str:
    steps = [step for step in case.get("history") or [] if isinstance(step, dict)][-HISTORY_STEPS:]
    lines = []
    for step in steps:
        name = step.get("to_name") or STATUS_NAMES.get(str(step.get("to")), str(step.get("to") or ""))
        note = str(step.get("note") or "").strip()
        when = local_time(step.get("at")) or ""
        lines.append(f"· {when} {name}" + (f"：{note[:60]}" if note else ""))
    return "\n".join(lines) or "· 暂无记录"


def tell_case(dispatcher: CollectingDispatcher, case: Case) -> None:
    status = str(case.get("status") or "")
    if status in FINAL_STATUSES:
        progress = ""
    else:
        progress = f"\n预计办结：{local_time(case.get('deadline')) or '近期'} 前"
        if case.get("overdue"):
            progress += "（已超过办理时限，我们会督促加快处理）"
    dispatcher.utter_message(
        response="utter_case_status_detail",
        code=case.get("code") or "",
        category_name=case.get("category_name") or "",
        status_name=case.get("status_name") or STATUS_NAMES.get(status, status),
        unit=unit_name(case),
        progress=progress,
        history=history_lines(case),
    )
    if status == "closed":
        code = str(case.get("code") or "")
        dispatcher.utter_message(response="utter_ask_rating_for", code=code, buttons=rating_buttons(code))


def tell_case_problem(dispatcher: CollectingDispatcher, code: str, error: PlatformError) -> None:
    """403 / 404 about a named case, shared with the rating action."""
    if error.status == 403:
        dispatcher.utter_message(response="utter_case_not_yours", code=code)
    elif error.status == 404:
        dispatcher.utter_message(response="utter_case_not_found", code=code)
    else:
        logger.error("platform refused a question about case %s: %s", code, error)
        dispatcher.utter_message(response="utter_case_status_unavailable")


def pending_count(sender_id: str) -> int:
    try:
        return PendingReports.from_environment().pending_for(sender_id)
    except (OSError, sqlite3.Error):
        logger.exception("could not read the pending-reports queue")
        return 0


class ActionCaseStatus(Action):
    def name(self) -> str:
        return "action_case_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        nudge_retry()
        resident = resident_of(tracker)
        client = PlatformClient.from_environment()
        code = case_ref_of(tracker.latest_message or {})
        try:
            if code:
                tell_case(dispatcher, await asyncio.to_thread(client.case, code, resident))
            else:
                cases = await asyncio.to_thread(client.resident_cases, resident, RECENT_CASES)
                self._tell_cases(dispatcher, cases)
        except PlatformUnavailable as error:
            logger.warning("platform unreachable for a status question: %s", error)
            dispatcher.utter_message(response="utter_case_status_unavailable")
        except PlatformError as error:
            tell_case_problem(dispatcher, code or "", error)
        waiting = await asyncio.to_thread(pending_count, str(tracker.sender_id))
        if waiting:
            dispatcher.utter_message(response="utter_case_status_pending", count=waiting)
        return []

    @staticmethod
    def _tell_cases(dispatcher: CollectingDispatcher, cases: list[Case]) -> None:
        if not cases:
            dispatcher.utter_message(response="utter_case_status_none")
            return
        dispatcher.utter_message(
            response="utter_case_status_list",
            cases="\n".join(case_line(number, case) for number, case in enumerate(cases, 1)),
            buttons=[status_button(str(case.get("code"))) for case in cases],
        )
