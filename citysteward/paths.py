"""Where the checkout's pieces live. Overridable for deployments that split them up."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(os.environ.get("CITYSTEWARD_HOME", Path(__file__).resolve().parent.parent))
RASA_VENV = Path(os.environ.get("CITYSTEWARD_RASA_VENV", REPO_ROOT / ".venv-rasa"))
RASA_BIN = RASA_VENV / "bin" / "rasa"
RASA_PYTHON = RASA_VENV / "bin" / "python"
MODELS_DIR = Path(os.environ.get("CITYSTEWARD_MODELS", REPO_ROOT / "models"))
VAR_DIR = Path(os.environ.get("CITYSTEWARD_VAR", REPO_ROOT / "var"))
HELDOUT_DIR = REPO_ROOT / "tests" / "nlu_heldout"
