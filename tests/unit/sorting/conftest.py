"""Fixtures of the matcher tests: a small, stable waste data folder (tests/unit/sorting/data) so
that the stage tests do not move with the real data; tests of the real data read knowledge/waste."""

from __future__ import annotations

from pathlib import Path

import pytest

from sorting import Matcher, WasteIndex

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def index() -> WasteIndex:
    built = WasteIndex.load(DATA)
    built.warm_up()
    return built


@pytest.fixture(scope="session")
def jiangmen(index: WasteIndex) -> Matcher:
    return Matcher("jiangmen", index=index)


@pytest.fixture(scope="session")
def national(index: WasteIndex) -> Matcher:
    return Matcher("national", index=index)


@pytest.fixture(scope="session")
def shanghai(index: WasteIndex) -> Matcher:
    return Matcher("上海", index=index)
