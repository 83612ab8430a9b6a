"""The end of a complaint: the summary the resident confirms, then filing it on the platform
(or keeping it in the durable queue when the platform cannot take it)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.formatting import deadline_text, describe_location, unit_name
from actions.pending_reports import (
    IN_FLIGHT_SECONDS,
    RETRYABLE_STATUSES,
    PendingReports,
    nudge_retry,
    retry_seconds_from_environment,
)
from actions.platform_client import Filing, PlatformClient, PlatformError, PlatformUnavailable
from actions.report_form import KEY_SLOT, MAX_ADDRESS, MAX_DESCRIPTION, MAX_PHOTOS, REPORT_SLOTS
from actions.residents import resident_of
from knowledge.taxonomy import categories

logger = logging.getLogger(__name__)


# -- the summary ------------------------------------------------------------------------------


def photo_count_text(photos: Any) -> str:
    return f"{len(photos)} 张" if isinstance(photos, list) and photos else "无"


class ActionAskReportConfirmed(Action):
    """The summary the resident confirms ("确认提交") or corrects ("修改")."""

    def name(self) -> str:
        return "action_ask_report_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        key = tracker.get_slot("issue_category")
        category = categories().get(str(key))
        dispatcher.utter_message(
            response="utter_report_summary",
            category_name=category.name if category else "其他问题",
            description=tracker.get_slot("description") or "",
            location=describe_location(tracker.get_slot("location")),
            photos=photo_count_text(tracker.get_slot("photos")),
        )
        return []


# -- filing -----------------------------------------------------------------------------------


def report_of(tracker: Tracker) -> dict[str, Any]:
    """The body of POST /api/v1/cases from the form's slots and the sender."""
    resident = resident_of(tracker)
    location = tracker.get_slot("location") or {}
    report: dict[str, Any] = {
        "category": tracker.get_slot("issue_category") or "other",
        "description": str(tracker.get_slot("description") or "")[:MAX_DESCRIPTION],
        "photo_ids": list(tracker.get_slot("photos") or [])[:MAX_PHOTOS],
        "reporter": resident.as_reporter(),
        "source": resident.channel,
    }
    if location.get("latitude") is not None and location.get("longitude") is not None:
        report["latitude"] = float(location["latitude"])
        report["longitude"] = float(location["longitude"])
    if location.get("address"):
        report["address"] = str(location["address"])[:MAX_ADDRESS]
    return report


def tell_filing(dispatcher: CollectingDispatcher, filing: Filing) -> None:
    case = filing.case
    if filing.duplicate_of:
        dispatcher.utter_message(
            response="utter_report_joined",
            code=filing.duplicate_of,
            category_name=case.get("category_name") or "",
            deadline=deadline_text(case),
        )
        return
    dispatcher.utter_message(
        response="utter_report_filed",
        code=case.get("code") or "",
        category_name=case.get("category_name") or "",
        unit=unit_name(case),
        deadline=deadline_text(case),
    )


class ActionSubmitReport(Action):
    """Runs when the form ends: files the confirmed report, queues it, or confirms the cancel."""

    def name(self) -> str:
        return "action_submit_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        cleared: list[EventType] = [SlotSet(slot, None) for slot in REPORT_SLOTS]
        if tracker.get_slot("report_confirmed") != "yes":
            dispatcher.utter_message(response="utter_report_cancelled")
            return cleared
        report = report_of(tracker)
        key = str(tracker.get_slot(KEY_SLOT) or f"rasa-{uuid.uuid4().hex}")
        queue = await asyncio.to_thread(self._write_ahead, key, str(tracker.sender_id), report)
        client = PlatformClient.from_environment()
        try:
            filing = await asyncio.to_thread(client.create_case, report, key)
        except PlatformUnavailable as error:
            state = "queued" if queue else "NOT SAVED"
            logger.warning("platform unreachable, report %s %s: %s", key, state, error)
            return await self._later(dispatcher, queue, key, cleared, error)
        except PlatformError as error:
            if error.status in RETRYABLE_STATUSES:
                logger.error("report %s not filed, will retry: %s", key, error)
                return await self._later(dispatcher, queue, key, cleared, error)
            logger.error("report %s refused by the platform: %s", key, error)
            if queue:
                await asyncio.to_thread(queue.fail, key, str(error))
            self._tell_refusal(dispatcher, error)
            return cleared
        if queue:
            await asyncio.to_thread(queue.remove, key)
        nudge_retry()  # the platform answers: file whatever else is waiting
        tell_filing(dispatcher, filing)
        return cleared

    @staticmethod
    def _write_ahead(key: str, sender_id: str, report: dict[str, Any]) -> PendingReports | None:
        """Store the report before the call; None (and a log) if even the local disk fails."""
        try:
            queue = PendingReports.from_environment()
            queue.add(key, sender_id, report, hold_seconds=IN_FLIGHT_SECONDS)
        except (OSError, sqlite3.Error):
            logger.exception("could not store report %s in the pending-reports queue", key)
            return None
        return queue

    @staticmethod
    async def _later(
        dispatcher: CollectingDispatcher,
        queue: PendingReports | None,
        key: str,
        cleared: list[EventType],
        error: Exception,
    ) -> list[EventType]:
        if queue is None:
            dispatcher.utter_message(response="utter_report_not_saved")
            # Keep the report (and its key) so that confirming again files the same report.
            return [SlotSet(KEY_SLOT, key)]
        # The call is over: the report is due at the next retry round, not after the in-flight hold.
        await asyncio.to_thread(queue.postpone, key, str(error), retry_seconds_from_environment())
        nudge_retry()
        dispatcher.utter_message(response="utter_report_queued")
        return cleared

    @staticmethod
    def _tell_refusal(dispatcher: CollectingDispatcher, error: PlatformError) -> None:
        if error.code in ("unknown_place", "outside_city"):
            dispatcher.utter_message(response="utter_report_refused_location")
        else:
            dispatcher.utter_message(response="utter_report_refused", reason=error.message or error.code)
