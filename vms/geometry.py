"""Shapes in frame fractions: drawn points (zones, lines, privacy masks) and boxes.

The one place these are validated and compared, so that a zone, a mask and a detector agree on
what a point or an overlap is.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError

Box = Sequence[float]  # (x1, y1, x2, y2)


def validate_points(value) -> None:
    """Normalised polygon or polyline: a list of [x, y] pairs within 0..1."""
    if not isinstance(value, list) or len(value) < 2:
        raise ValidationError("Give at least two points as [[x, y], ...].")
    for point in value:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(
                isinstance(c, int | float) and not isinstance(c, bool) and 0.0 <= c <= 1.0
                for c in point
            )
        ):
            raise ValidationError(
                "Each point is [x, y] with 0 <= x, y <= 1 (fraction of the frame)."
            )


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
