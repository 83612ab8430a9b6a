"""`citysteward nlu parse`: texts in, one contract JSON line out per text.

When a Rasa server answers at $RASA_URL (default http://127.0.0.1:5005, i.e. `make run` is up),
the texts go to its /model/parse: about 25 ms a text. Otherwise (or with `--local`) a worker in
the Rasa venv loads the newest model in models/, training one first if there is none; loading
alone takes about 90 s on 2 cores, because Rasa 3.6 builds each TensorFlow model with a
one-epoch fit before restoring its weights.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import httpx

from citysteward import paths
from citysteward.nlu.contract import to_contract
from citysteward.nlu.model import ensure_model


class NluError(RuntimeError):
    """The parse could not run; the message says what to do."""


def parse_locally(texts: Iterable[str], model: Path | None = None) -> Iterator[dict[str, Any]]:
    model_path = model or ensure_model()
    if not paths.RASA_PYTHON.exists():
        raise NluError(f"The Rasa venv is missing ({paths.RASA_VENV}). Run `make setup` first.")
    worker = subprocess.Popen(
        [str(paths.RASA_PYTHON), "-m", "citysteward.nlu.worker", str(model_path)],
        cwd=paths.REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert worker.stdin is not None
    assert worker.stdout is not None
    sent: list[str] = []
    feeder_in = worker.stdin

    def feed() -> None:
        try:
            for text in texts:
                sent.append(text)
                feeder_in.write(json.dumps(text) + "\n")
                feeder_in.flush()
        finally:
            feeder_in.close()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    count = 0
    for line in worker.stdout:
        count += 1
        yield json.loads(line)
    feeder.join()
    if worker.wait() != 0 or count != len(sent):
        raise NluError(
            f"The NLU worker stopped after {count} of {len(sent)} texts (exit {worker.returncode})."
        )


def parse_with_server(texts: Iterable[str], rasa_url: str, token: str | None) -> Iterator[dict[str, Any]]:
    params = {"token": token} if token else {}
    with httpx.Client(base_url=rasa_url, timeout=30.0) as client:
        for text in texts:
            if not text.strip():
                yield to_contract(text, {})
                continue
            response = client.post("/model/parse", json={"text": text}, params=params)
            if response.status_code == 401:
                raise NluError("Rasa refused the request: set RASA_AUTH_TOKEN to the server's token.")
            response.raise_for_status()
            yield to_contract(text, response.json())


def running_server() -> tuple[str, str | None] | None:
    """(url, token) of a Rasa server that answers with our token, or None."""
    from citysteward.stack import token_file

    url = os.environ.get("RASA_URL", "http://127.0.0.1:5005")
    path = token_file()
    token = os.environ.get("RASA_AUTH_TOKEN") or (
        path.read_text(encoding="utf-8").strip() if path.exists() else None
    )
    try:
        status = httpx.get(f"{url}/status", params={"token": token} if token else {}, timeout=2.0)
    except httpx.HTTPError:
        return None
    return (url, token) if status.status_code == 200 else None


def input_texts(arguments: list[str], stdin: TextIO) -> Iterator[str]:
    """The texts given as arguments, or else one per line of standard input."""
    if arguments:
        yield from arguments
        return
    for line in stdin:
        yield line.rstrip("\r\n")


def run(
    arguments: list[str], rasa_url: str | None, token: str | None, local: bool, out: TextIO = sys.stdout
) -> None:
    texts = input_texts(arguments, sys.stdin)
    server = (rasa_url, token) if rasa_url else None if local else running_server()
    if server is None:
        print("No Rasa server running; loading the model here (about 90 s) …", file=sys.stderr)
        results = parse_locally(texts)
    else:
        results = parse_with_server(texts, *server)
    for result in results:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
