"""The web chat in headless Chromium (Playwright), against the real stack: Rasa, the action server,
the platform and `citysteward serve gateway` with the web chat on and no Telegram token.

A resident types a complaint, picks the place on the SVG map, uploads a photo and presses 确认提交;
the case is on the platform with that photo and those coordinates. Buttons close once pressed, a
file that is no image is refused politely, and an address typed as text or the browser's own
position work as the location.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from PIL.ExifTags import IFD
from playwright.sync_api import (
    Browser,
    Geolocation,
    Page,
    Playwright,
    Request,
    ViewportSize,
    expect,
    sync_playwright,
)

from bot import texts
from cityplatform.geo import load_city
from citysteward.stack import StackConfig, free_port, start_service, stop_service
from tests.integration.conftest import PlatformProcess
from tests.unit.gateway.test_webchat_api import jpeg

pytestmark = pytest.mark.integration
CODE = re.compile(r"JM\d{8}-\d{4}")
REPLY_MS = 90_000  # a Rasa turn takes a second or two; its first one after start longer
PHONE = ViewportSize(width=390, height=844)
LOCATION_QUESTION = "什么位置"
PHOTO_QUESTION = "照片"


def chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(path).exists(), "the web chat tests need Chromium (Debian: apt-get install chromium)"
    return path


@pytest.fixture(scope="module")
def gateway_url(
    stack_config: StackConfig,
    platform: PlatformProcess,
    rasa_server: subprocess.Popen[bytes],
    service_env: dict[str, str],
    log_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    config = dataclasses.replace(stack_config, gateway_port=free_port())
    env = {
        **service_env,
        "GATEWAY_PORT": str(config.gateway_port),
        "WEBCHAT_ENABLED": "1",
        "TELEGRAM_BOT_TOKEN": "",
        "GATEWAY_INBOX_PATH": str(tmp_path_factory.mktemp("webchat") / "inbox.sqlite3"),
    }
    process = start_service("gateway", config, log_dir / "gateway-webchat.log", 60, extra_env=env)
    yield config.gateway_url
    stop_service(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    playwright: Playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield launched
        launched.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Browser, gateway_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=gateway_url)
    opened = context.new_page()
    opened.goto("/")
    yield opened
    context.close()


@pytest.fixture
def api(stack_config: StackConfig) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {stack_config.platform_api_token}"}
    with httpx.Client(base_url=stack_config.platform_url, headers=headers, timeout=30) as client:
        yield client


# ---- driving the page ---------------------------------------------------------------------------


@contextmanager
def reply(page: Page, pattern: str) -> Iterator[list[str]]:
    """Around an action: wait until a new bot bubble matches `pattern`; yields the new bubbles' texts.

    Locators only: the page's CSP (script-src 'self') forbids the eval that wait_for_function uses.
    """
    bubbles = page.locator("#log .row.bot .bubble")
    before = bubbles.count()
    matching = bubbles.filter(has_text=re.compile(pattern))
    seen = matching.count()
    replies: list[str] = []
    yield replies
    matching.nth(seen).wait_for(timeout=REPLY_MS)
    replies.extend(bubbles.all_inner_texts()[before:])


def say(page: Page, text: str, expect_pattern: str) -> list[str]:
    with reply(page, expect_pattern) as replies:
        page.get_by_label("输入消息").fill(text)
        page.get_by_label("输入消息").press("Enter")
    return replies


def press(page: Page, title: str, expect_pattern: str) -> list[str]:
    with reply(page, expect_pattern) as replies:
        page.locator("#log .buttons button:enabled", has_text=title).last.click()
    return replies


def complain(page: Page, complaint: str, category_word: str) -> None:
    """Type the complaint; choose the category when the bot asks; stop at the location question."""
    replies = say(page, complaint, f"{LOCATION_QUESTION}|哪一类")
    if not any(LOCATION_QUESTION in r for r in replies):
        press(page, category_word, LOCATION_QUESTION)


def map_point(page: Page, latitude: float, longitude: float) -> tuple[float, float]:
    """Screen position of a point, from the projection the <svg> documents in its data attributes."""
    x, y = page.evaluate(
        """([lat, lon]) => {
            const svg = document.getElementById('map');
            const d = svg.dataset;
            const x = (lon - Number(d.west)) * Number(d.kx) * Number(d.scale);
            const y = (Number(d.north) - lat) * Number(d.scale);
            const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM());
            return [p.x, p.y];
        }""",
        [latitude, longitude],
    )
    return float(x), float(y)


def posted_json(request: Request) -> dict[str, Any]:
    body = request.post_data_json
    assert isinstance(body, dict), request.post_data
    return body


def session_of(page: Page) -> str:
    return str(page.evaluate("localStorage.getItem('citysteward.session')"))


def confirm_and_get_code(page: Page) -> str:
    replies = press(page, "确认提交", r"JM\d{8}-\d{4}")
    found = CODE.search("\n".join(replies))
    assert found, replies
    return found.group(0)


def case_of(api: httpx.Client, code: str, session: str) -> dict[str, Any]:
    """The case as the platform gives it to its reporter: the web session that filed it."""
    response = api.get(f"/api/v1/cases/{code}", params={"channel": "web", "user_id": session})
    assert response.status_code == 200, response.text
    case: dict[str, Any] = response.json()
    return case


# ---- tests --------------------------------------------------------------------------------------


def test_a_report_made_in_the_page_becomes_a_case_with_the_map_point_and_the_photo(
    page: Page, api: httpx.Client
) -> None:
    marker = uuid.uuid4().hex[:6]
    complain(page, f"这里有个井盖不见了，车道上很危险 {marker}", "井盖")

    # The place: 水南市场, picked on the map (other tests report at other places, so no "me too").
    target = load_city().resolve("水南市场")
    assert target is not None
    area = load_city().locate(target.latitude, target.longitude)
    assert area is not None
    page.get_by_role("button", name="发送位置").click()
    page.get_by_role("button", name="在地图上选择").click()
    expect(page.locator("#map path.street").first).to_be_attached()
    x, y = map_point(page, target.latitude, target.longitude)
    page.mouse.move(x, y)
    page.mouse.wheel(0, -400)  # zoom in around the market
    expect(page.locator("#map")).not_to_have_attribute("viewBox", re.compile(r"^0 0 "))
    x, y = map_point(page, target.latitude, target.longitude)
    page.mouse.move(x, y)
    expect(page.locator("#map-hover")).to_contain_text(area.street)
    page.mouse.click(x, y)
    expect(page.locator("#map-choice")).to_contain_text(f"已选择：{area.district}{area.street}")
    with reply(page, PHOTO_QUESTION), page.expect_request("**/api/location") as sent:
        page.get_by_role("button", name="确认这个位置").click()
    picked = posted_json(sent.value)
    assert picked["latitude"] == pytest.approx(target.latitude, abs=0.001)
    assert picked["longitude"] == pytest.approx(target.longitude, abs=0.001)

    # The photo: a JPEG whose EXIF says it was taken at 东湖公园.
    park = load_city().resolve("东湖公园")
    assert park is not None
    photo = jpeg(gps=(park.latitude, park.longitude), size=(320, 240))
    with reply(page, "核对"):
        page.set_input_files("#photo-input", {"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": photo})
        expect(page.locator("#log .row.user img.thumb")).to_be_visible()
    expect(page.get_by_role("button", name="使用照片拍摄位置")).to_be_visible()
    summary = page.locator("#log .row.bot .bubble", has_text="核对").last.inner_text()
    assert "照片：1" in summary.replace(" ", ""), summary

    # 确认提交, once: the row closes, and a second press does nothing.
    code = confirm_and_get_code(page)
    row = page.locator("#log .buttons", has=page.get_by_role("button", name="确认提交"))
    assert row.locator("button").count() == 2
    for button in row.locator("button").all():
        expect(button).to_be_disabled()
    expect(row.locator("button.pressed")).to_have_text("确认提交")
    users = page.locator("#log .row.user").count()
    sends: list[str] = []
    page.on("request", lambda request: sends.append(request.url) if "/api/messages" in request.url else None)
    # A press shows the resident's bubble and starts the request at once, in the click handler.
    row.get_by_role("button", name="确认提交").click(force=True)
    assert page.locator("#log .row.user").count() == users
    assert sends == []

    listed = api.get("/api/v1/cases", params={"limit": 500}).json()["cases"]
    assert [c["code"] for c in listed if marker in c["description"]] == [code]
    case = case_of(api, code, session_of(page))
    assert case["category"] == "manhole"
    assert case["source"] == "web"
    assert (case["latitude"], case["longitude"]) == (picked["latitude"], picked["longitude"])
    [stored] = case["photos"]
    assert stored["stage"] == "before"
    image = api.get(f"/api/v1/media/{stored['id']}")
    assert image.status_code == 200
    assert image.content.startswith(b"\xff\xd8\xff")
    kept = Image.open(io.BytesIO(image.content))
    assert kept.size == (320, 240)
    assert kept.getexif().get_ifd(IFD.GPSInfo) == {}  # the position was stripped before storing


def test_a_file_that_is_no_image_is_refused_politely(page: Page) -> None:
    users = page.locator("#log .row.user").count()
    page.set_input_files(
        "#photo-input",
        {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"just some text, no picture"},
    )
    expect(page.locator("#log .row.error .bubble")).to_have_text(texts.PHOTO_NOT_IMAGE, timeout=REPLY_MS)
    assert page.locator("#log .row.user").count() == users + 1  # the attempt stays visible


def test_an_address_typed_as_text_is_the_location(page: Page, api: httpx.Client) -> None:
    marker = uuid.uuid4().hex[:6]
    complain(page, f"小区门口的路灯坏了好几天，晚上一片漆黑 {marker}", "路灯")
    say(page, "北街市场", PHOTO_QUESTION)
    press(page, "跳过", "核对")
    code = confirm_and_get_code(page)
    case = case_of(api, code, session_of(page))
    place = load_city().resolve("北街市场")
    assert place is not None
    assert (case["latitude"], case["longitude"]) == (place.latitude, place.longitude)
    assert case["photos"] == []


def test_the_browser_position_is_sent_as_the_location(browser: Browser, gateway_url: str) -> None:
    here = Geolocation(latitude=22.5865, longitude=113.0905)
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", base_url=gateway_url, geolocation=here, permissions=["geolocation"]
    )
    try:
        page = context.new_page()
        page.goto("/")
        complain(page, f"门口的垃圾堆了好几天没人清理 {uuid.uuid4().hex[:6]}", "垃圾")
        page.get_by_role("button", name="发送位置").click()
        with reply(page, PHOTO_QUESTION), page.expect_request("**/api/location") as sent:
            page.get_by_role("button", name="使用当前位置").click()
        posted = posted_json(sent.value)
        assert (posted["latitude"], posted["longitude"]) == (here["latitude"], here["longitude"])
    finally:
        context.close()
