"""The data the product runs on (taxonomy, geography, waste items) and its loaders.

Data files live beside this package and hold no code; these modules read them. They depend on
the standard library and PyYAML only, so both venvs (the app's and Rasa's) import them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent


def load_yaml(relative_path: str) -> dict[str, Any]:
    """A YAML mapping from the knowledge folder; a clear error if the file is not a mapping."""
    path = DATA_DIR / relative_path
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data
