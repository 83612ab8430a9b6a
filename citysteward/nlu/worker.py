"""Runs in the Rasa venv: loads a trained model once and parses lines.

Protocol: stdin carries one JSON string (the text) per line; stdout gets one contract JSON
object per line, flushed at once. Everything else Rasa or TensorFlow prints goes to stderr.

    .venv-rasa/bin/python -m citysteward.nlu.worker MODEL_PATH
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import TextIO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


async def serve(model_path: str, source: TextIO, sink: TextIO) -> None:
    from rasa.core.agent import Agent

    from citysteward.nlu.contract import to_contract

    agent = Agent.load(model_path)
    for line in source:
        if not line.strip():
            continue
        text = str(json.loads(line))
        parse = await agent.parse_message(text) if text.strip() else {}
        sink.write(json.dumps(to_contract(text, parse), ensure_ascii=False) + "\n")
        sink.flush()


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    for noisy in ("rasa", "tensorflow", "absl", "jieba"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    # Rasa and TensorFlow may print to stdout (also from C code): keep the real stdout for the
    # protocol only and point file descriptor 1 at stderr.
    protocol_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    asyncio.run(serve(sys.argv[1], sys.stdin, protocol_out))


if __name__ == "__main__":
    main()
