"""`citysteward waste lookup`: waste-sorting answers as JSON lines, from the terminal.

Queries come from the arguments, or one per line on stdin. The platform's learned items are
fetched once (`GET $PLATFORM_URL/api/v1/waste/learned`, 2 s timeout) unless `--local`; when the
platform cannot be reached the answers come from the knowledge data alone, without a word.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator

import httpx

from sorting import LearnedItem, Matcher, matcher

LEARNED_PATH = "/api/v1/waste/learned"
TIMEOUT_SECONDS = 2.0


def default_city() -> str:
    """$CITY (the platform's setting), else jiangmen."""
    return os.environ.get("CITY") or "jiangmen"


def platform_token() -> str:
    """$PLATFORM_API_TOKEN, else the token `make run` keeps in var/ (never created here)."""
    token = os.environ.get("PLATFORM_API_TOKEN", "").strip()
    if token:
        return token
    from cityplatform.settings import token_file

    path = token_file()
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def platform_url() -> str:
    return os.environ.get("PLATFORM_URL") or f"http://127.0.0.1:{os.environ.get('PLATFORM_PORT', '8000')}"


def fetch_learned(base_url: str, token: str) -> list[LearnedItem]:
    """The platform's learned items; [] when it cannot be reached or answers oddly."""
    try:
        response = httpx.get(
            base_url.rstrip("/") + LEARNED_PATH,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        rows = response.json()["items"]
        return [
            LearnedItem(
                name=str(row["name"]),
                category_key=str(row["category_key"]),
                subcategory=row.get("subcategory") or None,
                advice=row.get("advice") or None,
                reason=row.get("reason") or None,
            )
            for row in rows
        ]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return []


def queries_from(arguments: list[str], stdin: Iterable[str]) -> Iterator[str]:
    if arguments:
        yield from arguments
        return
    for line in stdin:  # empty lines too: output line n answers input line n
        yield line.strip()


def run(arguments: list[str], city: str | None, local: bool) -> None:
    """Prints one JSON line per query; exits 2 for an unknown city."""
    try:
        found: Matcher = matcher(city or default_city())
    except ValueError as error:
        print(str(error), file=sys.stderr)
        sys.exit(2)
    if not local:
        learned = fetch_learned(platform_url(), platform_token())
        if learned:
            found = found.with_learned(learned)
    for query in queries_from(arguments, sys.stdin):
        print(json.dumps(found.lookup(query).payload(), ensure_ascii=False), flush=True)
