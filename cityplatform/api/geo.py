"""Placing a point or an address in the city."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from cityplatform.api.dependencies import Platform, platform_of, require_token
from cityplatform.cases.intake import outside_city, unknown_place
from cityplatform.errors import NotFound
from cityplatform.geo import grid_cell

router = APIRouter(prefix="/api/v1/geo", dependencies=[Depends(require_token)], tags=["geography"])
PlatformDep = Annotated[Platform, Depends(platform_of)]


@router.get("/locate", summary="District, street, community, grid cell and unit of a WGS-84 point")
def locate(
    platform: PlatformDep,
    latitude: Annotated[float, Query(ge=-90, le=90)],
    longitude: Annotated[float, Query(ge=-180, le=180)],
) -> dict[str, Any]:
    area = platform.city.locate(latitude, longitude)
    if area is None:
        raise outside_city(platform.city)
    return {
        "district": area.district,
        "street": area.street,
        "community": area.community,
        "grid_cell": grid_cell(latitude, longitude),
        "unit": {"code": area.unit_code, "name": area.unit_name},
    }


@router.get("/resolve", summary="Place address text with the gazetteer")
def resolve(platform: PlatformDep, q: Annotated[str, Query(min_length=1, max_length=300)]) -> dict[str, Any]:
    place = platform.city.resolve(q)
    if place is None:
        error = unknown_place()
        raise NotFound(error.code, error.message)
    area = platform.city.locate(place.latitude, place.longitude)
    if area is None:
        raise outside_city(platform.city)
    return {
        "name": place.name,
        "kind": place.kind,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "district": area.district,
        "street": area.street,
        "community": area.community,
    }


@router.get("/communities", summary="The city's communities, for choosing one's own (/start)")
def communities(platform: PlatformDep) -> list[dict[str, str]]:
    return [
        {"name": region.name, "street": region.street or "", "district": region.district}
        for region in platform.city.communities()
    ]
