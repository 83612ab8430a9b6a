"""Keep the units table in step with the knowledge files: city departments and street offices."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityplatform.db.models import Unit
from cityplatform.geo import CityMap
from knowledge.taxonomy import units as department_units


def sync_units(session: Session, city: CityMap) -> int:
    """Insert or rename units; never deletes (old cases keep pointing at them). Returns rows changed."""
    wanted: dict[str, tuple[str, str, str | None]] = {
        code: (unit.name, "department", unit.phone) for code, unit in department_units().items()
    }
    for code, name in city.units():
        wanted[code] = (name, "street", None)
    existing = {unit.code: unit for unit in session.scalars(select(Unit))}
    changed = 0
    for code, (name, kind, phone) in wanted.items():
        unit = existing.get(code)
        if unit is None:
            session.add(Unit(code=code, name=name, kind=kind, phone=phone))
            changed += 1
        elif (unit.name, unit.kind, unit.phone) != (name, kind, phone):
            unit.name, unit.kind, unit.phone = name, kind, phone
            changed += 1
    session.commit()
    return changed
