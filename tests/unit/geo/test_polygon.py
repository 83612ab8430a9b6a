from cityplatform.geo.polygon import Shape

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}
# An L: the square minus its upper-right quarter (concave).
ELL = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]]]}


def test_square_inside_and_outside() -> None:
    shape = Shape.from_geojson(SQUARE)
    assert shape.contains(1, 1)
    assert shape.contains(0.01, 1.99)
    assert not shape.contains(3, 1)
    assert not shape.contains(1, -0.5)
    assert (shape.south, shape.west, shape.north, shape.east) == (0, 0, 2, 2)


def test_concave_polygon() -> None:
    shape = Shape.from_geojson(ELL)
    assert shape.contains(0.5, 1.5)  # latitude 0.5, longitude 1.5: lower-right arm
    assert shape.contains(1.5, 0.5)  # upper-left arm
    assert not shape.contains(1.5, 1.5)  # the missing quarter, inside the bounding box


def test_ray_through_a_vertex_counts_once() -> None:
    diamond = Shape.from_geojson({"type": "Polygon", "coordinates": [[[1, 0], [2, 1], [1, 2], [0, 1]]]})
    assert diamond.contains(1, 0.5)  # the ray to the east passes through the vertex (2, 1)
    assert not diamond.contains(1, 2.5)


def test_hole_and_multipolygon_by_even_odd_rule() -> None:
    with_hole = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [4, 0], [4, 4], [0, 4]], [[1, 1], [3, 1], [3, 3], [1, 3]]],
    }
    assert not Shape.from_geojson(with_hole).contains(2, 2)
    assert Shape.from_geojson(with_hole).contains(0.5, 2)
    two = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], [[[5, 5], [6, 5], [6, 6], [5, 6]]]]}
    assert Shape.from_geojson(two).contains(5.5, 5.5)
    assert not Shape.from_geojson(two).contains(3.5, 3.5)


def test_a_point_on_a_shared_edge_is_in_exactly_one_neighbour() -> None:
    left = Shape.from_geojson({"type": "Polygon", "coordinates": [[[0, 0], [1.3, 0.1], [0.7, 2.9], [0, 3]]]})
    right = Shape.from_geojson({"type": "Polygon", "coordinates": [[[1.3, 0.1], [3, 0], [3, 3], [0.7, 2.9]]]})
    for step in range(1, 30):
        latitude = 0.1 + step * 2.8 / 30
        longitude = 1.3 + (latitude - 0.1) * (0.7 - 1.3) / (2.9 - 0.1)  # on the shared edge
        assert left.contains(latitude, longitude) + right.contains(latitude, longitude) == 1


def test_rejects_other_geometries() -> None:
    import pytest

    with pytest.raises(ValueError, match="Polygon"):
        Shape.from_geojson({"type": "Point", "coordinates": [0, 0]})
    with pytest.raises(ValueError, match="3 distinct"):
        Shape.from_geojson({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]})
