"""The one point validator: what a zone, a line and a privacy mask accept, and how it says no."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from vms.geometry import MAX_POINTS, clean_points, validate_points

TRIANGLE = [[0, 0], [1, 0], [0.5, 1]]


@pytest.mark.parametrize(
    ("shape", "points", "message"),
    [
        ("area", TRIANGLE[:2], "An area needs at least 3 points."),
        ("mask", TRIANGLE[:2], "A privacy mask needs at least 3 points."),
        ("line", TRIANGLE, "A line has exactly two points."),
        ("points", TRIANGLE[:1], "A shape needs at least 2 points."),
        ("area", [[i / 100, 0] for i in range(MAX_POINTS + 1)], f"at most {MAX_POINTS}"),
        ("area", [[0, 0], [1, 0], [0.5, 1.0001]], "inside the frame"),
        ("area", [[0, 0], [1, 0], [0.5, float("nan")]], "inside the frame"),
        ("area", [[0, 0], [1, 0], [True, 1]], "pair of numbers"),
        ("area", [[0, 0], [1, 0], [0.5]], "pair of numbers"),
        ("area", "0,0 1,0 1,1", "list of [x, y]"),
    ],
)
def test_refusals_say_what_is_wrong(shape, points, message):
    with pytest.raises(ValidationError) as refused:
        clean_points(points, shape=shape)
    assert message in " ".join(refused.value.messages)


def test_points_are_rounded_and_errors_keyed_by_the_field_asked_for():
    assert clean_points([(0, 0), (0.123456, 1)], shape="line") == [[0.0, 0.0], [0.1235, 1.0]]
    with pytest.raises(ValidationError) as refused:
        clean_points([[0, 0]], shape="line", field="points")
    assert refused.value.message_dict == {"points": ["A line has exactly two points."]}


def test_the_model_field_validator_accepts_any_drawn_shape_inside_the_frame():
    validate_points([[0, 0], [1, 1]])
    validate_points(TRIANGLE)
    with pytest.raises(ValidationError):
        validate_points([[0, 0], [1, 2]])
