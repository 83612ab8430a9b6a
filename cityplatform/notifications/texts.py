"""What residents read when their case moves: polite, short, naming the case and what comes next."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from cityplatform.cases.workflow import Status
from cityplatform.outbox import Button

RATINGS = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """11月25日 17:30, in the city's time."""
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def rating_buttons(code: str) -> tuple[Button, ...]:
    """满意 / 基本满意 / 不满意, each a /rate_service payload naming the case (as actions/ sends it)."""
    return tuple(
        Button(title, "/rate_service" + json.dumps({"rating": rating, "case_ref": code}, ensure_ascii=False))
        for rating, title in RATINGS.items()
    )


def case_update(
    status: Status, *, code: str, category: str, unit: str, deadline: str, reason: str | None
) -> tuple[str, tuple[Button, ...]] | None:
    """The message for a case that reached `status`; None for statuses residents are not told of."""
    case = f"您反映的「{category}」问题（案件编号 {code}）"
    if status is Status.DISPATCHED:
        return f"{case}已派遣至{unit}处理，预计 {deadline} 前办结。处理完成后我们会第一时间告诉您。", ()
    if status is Status.HANDLED:
        return (
            f"{case}已由{unit}处置完毕，我们正在核查处置效果，核查通过后即可结案，届时还请您评价。",
            (),
        )
    if status is Status.CLOSED:
        return f"{case}已办结，感谢您对城市管理工作的支持！请您对这次的处理结果作出评价：", rating_buttons(
            code
        )
    if status is Status.REJECTED:
        why = (reason or "").strip().rstrip("。.") or "不属于城市管理部门的受理范围"
        return (
            f"很抱歉，{case}经审核不予立案，原因：{why}。"
            "如情况有变化，欢迎补充后重新反映；如有疑问，也可以拨打 12345 热线咨询。",
            (),
        )
    if status is Status.REOPENED:
        return (
            f"{case}已重新受理，我们会尽快重新派遣处理，预计 {deadline} 前办结。给您带来不便，敬请谅解。",
            (),
        )
    return None


def report_filed(*, code: str, category: str, unit: str, deadline: str, joined: bool) -> str:
    """For a report the platform took only after an outage: the resident was told it was saved."""
    if joined:
        return (
            f"您之前反映的「{category}」问题已经登记。附近已有市民反映过同一问题（案件编号 {code}），"
            f"我们已把您的反映合并到这个案件中，预计 {deadline} 前办结，之后的进展会同时通知您。让您久等了！"
        )
    return (
        f"您之前反映的「{category}」问题已经登记，案件编号 {code}，由{unit}负责处理，预计 {deadline} 前办结。"
        "让您久等了！有进展我们会及时通知您，您也可以随时发送“查进度”查看。"
    )
