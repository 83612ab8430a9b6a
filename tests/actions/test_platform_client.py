"""The platform client against the real platform, a closed port and a server that fails."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from actions.platform_client import (
    PlatformClient,
    PlatformError,
    PlatformUnavailable,
    Resident,
    token_from_environment,
)
from tests.actions.conftest import RunningPlatform, free_port


class FailingHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(503)
        self.end_headers()
        self.wfile.write(b"upstream down")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def failing_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FailingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_closed_port_is_unavailable() -> None:
    with pytest.raises(PlatformUnavailable):
        PlatformClient(f"http://127.0.0.1:{free_port()}", "t").resolve_place("五邑路")


def test_a_5xx_answer_is_unavailable(failing_server: str) -> None:
    with pytest.raises(PlatformUnavailable, match="503"):
        PlatformClient(failing_server, "t").resolve_place("五邑路")


def test_error_answers_carry_the_platform_code(platform: RunningPlatform) -> None:
    client = PlatformClient(platform.url, platform.token)
    with pytest.raises(PlatformError) as unknown:
        client.resolve_place("火星基地")
    assert (unknown.value.status, unknown.value.code) == (404, "unknown_place")
    assert "没能找到" in unknown.value.message
    with pytest.raises(PlatformError) as outside:
        client.locate(23.13, 113.26)  # Guangzhou
    assert (outside.value.status, outside.value.code) == (422, "outside_city")


def test_a_wrong_token_is_an_error_not_an_outage(platform: RunningPlatform) -> None:
    with pytest.raises(PlatformError) as error:
        PlatformClient(platform.url, "wrong").resolve_place("五邑路")
    assert error.value.status == 401


def test_places_and_points_are_resolved(platform: RunningPlatform) -> None:
    client = PlatformClient(platform.url, platform.token)
    place = client.resolve_place("五邑路东湖公园门口")
    assert place["street"] == "白沙街道"
    assert isinstance(place["latitude"], float)
    assert client.locate(22.5795, 113.0815)["street"] == "白沙街道"
    assert client.resident_cases(Resident("telegram", "nobody-here")) == []


def test_token_comes_from_the_environment_or_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PLATFORM_API_TOKEN", " from-env ")
    assert token_from_environment() == "from-env"
    monkeypatch.delenv("PLATFORM_API_TOKEN")
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n", encoding="utf-8")
    monkeypatch.setenv("PLATFORM_API_TOKEN_FILE", str(token_file))
    assert token_from_environment() == "from-file"
    monkeypatch.setenv("PLATFORM_API_TOKEN_FILE", str(tmp_path / "missing"))
    assert token_from_environment() is None


def test_client_reads_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLATFORM_URL")
    assert PlatformClient.from_environment().base_url == "http://127.0.0.1:8000"
    monkeypatch.setenv("PLATFORM_URL", "http://platform.internal:9000/")
    assert PlatformClient.from_environment().base_url == "http://platform.internal:9000"
