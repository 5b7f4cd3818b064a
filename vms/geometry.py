"""Shapes in frame fractions: drawn points (zones, lines, privacy masks) and boxes.

The one place these are validated and compared, so that a zone, a mask and a detector agree on
what a point or an overlap is.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError

Box = Sequence[float]  # (x1, y1, x2, y2)


MAX_POINTS = 64
POINT_DECIMALS = 4  # 1/10 000 of the frame: finer than any pixel of a 4K camera

# Shape name -> (fewest points, most points, what it is called in an error).
SHAPES = {
    "points": (2, MAX_POINTS, "A shape"),  # a polygon or a polyline: the model fields' check
    "area": (3, MAX_POINTS, "An area"),
    "mask": (3, MAX_POINTS, "A privacy mask"),
    "line": (2, 2, "A line"),
}


def clean_points(value, *, shape: str = "points", field: str | None = None) -> list[list[float]]:
    """A drawn shape, checked and rounded: ``[[x, y], ...]`` with 0 <= x, y <= 1.

    ``shape`` sets how many points it takes: ``area`` and ``mask`` (polygons) at least 3,
    ``line`` exactly 2, ``points`` (anything drawn) at least 2; never more than
    ``MAX_POINTS``. Coordinates are rounded to ``POINT_DECIMALS``. Raises a ``ValidationError``
    that says what is wrong, under ``field`` when one is given (services name the form field).
    """
    try:
        return _clean_points(value, shape)
    except ValidationError as error:
        if field is None:
            raise
        raise ValidationError({field: error.messages}) from error


def _clean_points(value, shape: str) -> list[list[float]]:
    least, most, called = SHAPES[shape]
    if not isinstance(value, list | tuple):
        raise ValidationError("Points must be a list of [x, y] pairs.", code="invalid")
    cleaned = []
    for point in value:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in point)
        ):
            raise ValidationError("Each point is a pair of numbers [x, y].", code="invalid")
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValidationError(
                "Every point must lie inside the frame (x and y between 0 and 1).",
                code="outside_frame",
            )
        cleaned.append([round(x, POINT_DECIMALS), round(y, POINT_DECIMALS)])
    if least == most and len(cleaned) != least:
        raise ValidationError(f"{called} has exactly {_count(least)} points.", code="count")
    if len(cleaned) < least:
        raise ValidationError(f"{called} needs at least {least} points.", code="count")
    if len(cleaned) > most:
        raise ValidationError(f"Use at most {most} points.", code="count")
    return cleaned


def _count(number: int) -> str:
    return {2: "two", 3: "three"}.get(number, str(number))


def validate_points(value) -> None:
    """Model field validator: a shape of at least two points inside the frame.

    The exact count for the shape's kind is checked by the model's ``clean`` and the services,
    with :func:`clean_points` too.
    """
    clean_points(value)


def box_area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def box_intersection(a: Box, b: Box) -> float:
    """Area shared by two boxes (0 when they do not overlap)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes; 0 for two empty boxes."""
    inter = box_intersection(a, b)
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0
