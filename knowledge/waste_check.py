"""Checks the waste-sorting data: `python -m knowledge.waste_check` prints every problem.

Items (waste/items/*.csv), ambiguous terms (ambiguous.yml), city profiles (cities/*.yml) and tips
(tips.yml), with the same validation as the loaders plus style checks: reason and advice lengths,
every expected city present, at least MIN_TIPS tips. Exit status 1 when there is any problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

from knowledge.waste import WasteDataError, read_ambiguous, read_items, relative_path, waste_dir
from knowledge.waste_cities import load_cities
from knowledge.waste_tips import read_tips

EXPECTED_CITIES = ("national", "jiangmen", "zhanjiang", "jiangjin", "shanghai")
MIN_TIPS = 100


def problems(directory: Path | None = None) -> list[str]:
    """Every problem of the waste data in `directory` (default: knowledge/waste)."""
    directory = directory or waste_dir()
    items, found = read_items(directory / "items", style=True)
    _, ambiguous_problems = read_ambiguous(directory / "ambiguous.yml", items)
    found += ambiguous_problems
    try:
        cities = load_cities(directory / "cities", items)
    except WasteDataError as error:
        found += error.problems
    else:
        found += [
            f"{relative_path(directory / 'cities')}: {key}.yml is missing"
            for key in EXPECTED_CITIES
            if key not in cities
        ]
    tips, tip_problems = read_tips(directory / "tips.yml")
    found += tip_problems
    if not tip_problems and len(tips) < MIN_TIPS:
        found.append(f"{relative_path(directory / 'tips.yml')}: {len(tips)} tips (at least {MIN_TIPS})")
    return found


def main() -> None:
    directory = waste_dir()
    found = problems(directory)
    for problem in found:
        print(problem)
    items, _ = read_items(directory / "items")
    print(f"{len(items)} items, {len(found)} problems", file=sys.stderr)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
