"""Trained Rasa models in models/: find the newest, train when there is none or data changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from citysteward import paths

TRAIN_ARGS = ["--data", "nlu", "--domain", "domain.yml", "--config", "config.yml"]


def latest_model() -> Path | None:
    models = sorted(paths.MODELS_DIR.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def train() -> Path:
    """`rasa train`; Rasa's fingerprinting makes this a no-op when nothing changed."""
    if not paths.RASA_BIN.exists():
        raise RuntimeError(f"The Rasa venv is missing ({paths.RASA_VENV}). Run `make setup` first.")
    print("Training the Rasa model (a few minutes the first time) …", file=sys.stderr)
    subprocess.run(
        [str(paths.RASA_BIN), "train", *TRAIN_ARGS, "--out", str(paths.MODELS_DIR), "--quiet"],
        cwd=paths.REPO_ROOT,
        check=True,
        stdout=sys.stderr,
    )
    model = latest_model()
    if model is None:
        raise RuntimeError("rasa train finished without writing a model")
    return model


def ensure_model() -> Path:
    return latest_model() or train()
