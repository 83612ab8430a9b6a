"""Reads our Rasa YAML NLU files (training data in nlu/, held-out data in tests/nlu_heldout/)
into plain examples, without Rasa, for checks and evaluation in the app venv."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<entity>[^)]+)\)")


@dataclass(frozen=True)
class Entity:
    entity: str
    value: str  # the synonym value when annotated as (entity:value), else the text
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # the base intent: report_issue for report_issue/<category>
    category: str | None  # the retrieval key of report_issue/<category>
    entities: tuple[Entity, ...]
    source: Path


def parse_annotated(annotated: str) -> tuple[str, tuple[Entity, ...]]:
    """`在[五邑路](place)摆摊` -> ("在五邑路摆摊", (Entity("place", "五邑路", 1, 4),))."""
    text, entities, cursor = "", [], 0
    for match in ANNOTATION.finditer(annotated):
        text += annotated[cursor : match.start()]
        name, _, value = match["entity"].partition(":")
        start = len(text)
        text += match["text"]
        entities.append(Entity(name.strip(), value.strip() or match["text"], start, len(text)))
        cursor = match.end()
    return text + annotated[cursor:], tuple(entities)


def load_examples(directory: Path) -> list[Example]:
    examples: list[Example] = []
    for path in sorted(directory.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            intent, _, category = str(block["intent"]).partition("/")
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if not line.startswith("- "):
                    continue
                text, entities = parse_annotated(line[2:].strip())
                examples.append(Example(text, intent, category or None, entities, path))
    return examples
