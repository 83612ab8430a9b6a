"""Concurrency on the desk: one first answer among simultaneous ones, one question per idempotency
key, and sweeps running side by side never sending twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityplatform.cases.context import CaseContext
from cityplatform.cases.intake import ReporterInput
from cityplatform.db.models import DeskAnswer, DeskQuestion, OutboxMessage
from cityplatform.desk import questions
from cityplatform.desk.sweep import sweep
from tests.platform.conftest import Api
from tests.platform.desk import ASKER, UNKNOWN_TEXT, ask, volunteers

VOLUNTEERS = [str(2000 + n) for n in range(8)]


def context(api: Api, session: Session) -> CaseContext:
    platform = api.platform
    return CaseContext(session, api.settings, platform.city, platform.calendar, platform.clock)


def test_simultaneous_answers_make_one_first_answer(api: Api) -> None:
    volunteers(api, *VOLUNTEERS)
    qid = ask(api)["id"]

    def respond(user_id: str) -> bool:
        with api.platform.sessions() as session:
            return questions.answer(context(api, session), qid, "telegram", user_id, "other", None).first

    with ThreadPoolExecutor(max_workers=8) as pool:
        firsts = list(pool.map(respond, VOLUNTEERS))
    assert sorted(firsts) == [False] * 7 + [True]
    with api.platform.sessions() as session:
        assert session.scalar(select(func.count(DeskAnswer.id))) == 8
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"desk:{qid}:answer"))
        assert len(told.all()) == 1


def test_one_idempotency_key_asks_once_even_at_the_same_time(api: Api) -> None:
    volunteers(api, *VOLUNTEERS[:2])

    def ask_once(_: int) -> int:
        with api.platform.sessions() as session:
            new = questions.NewQuestion(ReporterInput(**ASKER), UNKNOWN_TEXT)
            question, _created = questions.ask(context(api, session), new, "same-key")
            return question.id

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = set(pool.map(ask_once, range(6)))
    assert len(ids) == 1
    with api.platform.sessions() as session:
        assert session.scalar(select(func.count(DeskQuestion.id))) == 1
        assert session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_sweeps_side_by_side_send_each_message_once(api: Api) -> None:
    volunteers(api, *VOLUNTEERS[:2], community="东风社区")
    volunteers(api, *VOLUNTEERS[2:], community="建设社区")
    api.put("/api/v1/residents/telegram/1001", {"chat_id": "1001", "community": "东风社区"})
    for _ in range(5):
        ask(api)
    later = api.clock.now.replace(minute=15)

    def run(_: int) -> int:
        with api.platform.sessions() as session:
            return sweep(session, later, api.settings).messages

    with ThreadPoolExecutor(max_workers=4) as pool:
        written = sum(pool.map(run, range(4)))
    assert written == 5 * 6
    with api.platform.sessions() as session:
        assert session.scalar(select(func.count(OutboxMessage.id))) == 5 * 8
