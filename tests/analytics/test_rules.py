"""The rules, frame after frame: pure Python, observations in, hits out."""

from __future__ import annotations

from datetime import UTC, datetime, time

from analytics.rules import (
    CAMERA_HEALTH,
    CROWD,
    LINE_CROSSING,
    LOITERING,
    PERSON_IN_ZONE,
    UNUSUAL_MOTION,
    Observation,
    Person,
    RuleEngine,
    RuleSpec,
)

LEFT_HALF = ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0))
WHOLE_FRAME = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()  # a Monday, noon UTC


def person(x: float, y: float = 0.8, score: float = 0.9) -> Person:
    """A person standing with feet at (x, y)."""
    return Person((x - 0.05, y - 0.4, x + 0.05, y), score)


def at(hour: int, minute: int = 0) -> float:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC).timestamp()


def kinds(hits) -> list[str]:
    return [hit.kind for hit in hits]


def test_person_in_zone_only_for_feet_inside():
    engine = RuleEngine([RuleSpec(id=1, kind=PERSON_IN_ZONE, points=LEFT_HALF)], camera_id=7)
    assert engine.observe(Observation(T0, people=[person(0.8)])) == []
    (hit,) = engine.observe(Observation(T0 + 1, people=[person(0.2), person(0.8)]))
    assert hit.rule_id == 1 and hit.kind == PERSON_IN_ZONE and hit.confidence == 0.9
    assert len(hit.boxes) == 1 and hit.boxes[0][5] == "person"


def test_person_cut_off_by_the_bottom_edge_is_inside_a_whole_frame_zone():
    engine = RuleEngine([RuleSpec(id=1, kind=PERSON_IN_ZONE, points=WHOLE_FRAME)])
    assert kinds(engine.observe(Observation(T0, people=[person(0.5, y=1.0)]))) == [PERSON_IN_ZONE]


def test_person_in_zone_within_hours_in_the_sites_time_zone():
    rule = RuleSpec(
        id=1,
        kind=PERSON_IN_ZONE,
        points=WHOLE_FRAME,
        active_from=time(9),
        active_until=time(17),
        time_zone="Europe/Berlin",  # UTC+1 in March
        cooldown_seconds=1,
    )
    engine = RuleEngine([rule])
    assert engine.observe(Observation(at(7, 30), people=[person(0.5)])) == []  # 08:30 local
    assert kinds(engine.observe(Observation(at(8, 30), people=[person(0.5)]))) == [PERSON_IN_ZONE]
    assert engine.observe(Observation(at(16, 0), people=[person(0.5)])) == []  # 17:00 local


def test_person_in_zone_overnight_window():
    rule = RuleSpec(
        id=1,
        kind=PERSON_IN_ZONE,
        points=WHOLE_FRAME,
        active_from=time(20),
        active_until=time(6),
        cooldown_seconds=1,
    )
    engine = RuleEngine([rule])
    fired = {h: bool(engine.observe(Observation(at(h), people=[person(0.5)]))) for h in range(24)}
    assert [h for h, hit in fired.items() if hit] == [0, 1, 2, 3, 4, 5, 20, 21, 22, 23]


def test_min_confidence_ignores_unsure_people():
    engine = RuleEngine(
        [RuleSpec(id=1, kind=PERSON_IN_ZONE, points=WHOLE_FRAME, min_confidence=0.6)]
    )
    assert engine.observe(Observation(T0, people=[person(0.5, score=0.4)])) == []
    (hit,) = engine.observe(
        Observation(T0 + 1, people=[person(0.3, score=0.4), person(0.6, score=0.7)])
    )
    assert hit.confidence == 0.7 and len(hit.boxes) == 1


def test_cooldown_one_person_makes_one_alert_not_thirty():
    engine = RuleEngine(
        [RuleSpec(id=1, kind=PERSON_IN_ZONE, points=WHOLE_FRAME, cooldown_seconds=60)]
    )
    hits = []
    for frame in range(30):  # 6 s at 5 fps, the person standing there
        hits += engine.observe(Observation(T0 + frame * 0.2, people=[person(0.5)]))
    assert len(hits) == 1
    # After the cool-down the same person alerts again.
    assert len(engine.observe(Observation(T0 + 61, people=[person(0.5)]))) == 1


def test_dedupe_key_per_camera_rule_and_cooldown_window():
    rules = [
        RuleSpec(id=1, kind=PERSON_IN_ZONE, points=WHOLE_FRAME, cooldown_seconds=10),
        RuleSpec(id=2, kind=CROWD, count_threshold=1, cooldown_seconds=10),
    ]
    now = 1_000_000.0  # window 100000 of 10 s
    first = RuleEngine(rules, camera_id=3).observe(Observation(now, people=[person(0.5)]))
    assert sorted(h.dedupe_key for h in first) == [
        "camera:3:rule:1:100000",
        "camera:3:rule:2:100000",
    ]
    # Another worker analysing the same camera in the same window makes the same keys (the
    # database keeps one); another camera or the next window does not.
    again = RuleEngine(rules, camera_id=3).observe(Observation(now + 5, people=[person(0.5)]))
    assert {h.dedupe_key for h in again} == {h.dedupe_key for h in first}
    other = RuleEngine(rules, camera_id=4).observe(Observation(now, people=[person(0.5)]))
    assert not {h.dedupe_key for h in other} & {h.dedupe_key for h in first}
    later = RuleEngine(rules, camera_id=3).observe(Observation(now + 10, people=[person(0.5)]))
    assert all(h.dedupe_key.endswith(":100001") for h in later)


def test_seeded_last_hits_carry_the_cooldown_across_a_takeover():
    rule = RuleSpec(id=1, kind=PERSON_IN_ZONE, points=WHOLE_FRAME, cooldown_seconds=30)
    engine = RuleEngine([rule], last_hits={1: T0 - 10})
    assert engine.observe(Observation(T0, people=[person(0.5)])) == []
    assert len(engine.observe(Observation(T0 + 20, people=[person(0.5)]))) == 1


def test_line_crossing_follows_a_tracked_person_across():
    line = ((0.5, 0.0), (0.5, 1.0))
    engine = RuleEngine([RuleSpec(id=1, kind=LINE_CROSSING, points=line, cooldown_seconds=1)])
    hits = []
    for step, x in enumerate((0.30, 0.38, 0.46, 0.54, 0.62)):
        hits += engine.observe(Observation(T0 + step * 0.2, people=[person(x)]))
    assert kinds(hits) == [LINE_CROSSING]
    assert hits[0].captured_at == T0 + 3 * 0.2  # the step that crossed


def test_line_crossing_ignores_a_jump_the_tracker_cannot_follow():
    line = ((0.5, 0.0), (0.5, 1.0))
    engine = RuleEngine([RuleSpec(id=1, kind=LINE_CROSSING, points=line, cooldown_seconds=1)])
    assert engine.observe(Observation(T0, people=[person(0.2)])) == []
    # Someone else appears on the other side: two people, nobody crossed.
    assert engine.observe(Observation(T0 + 0.2, people=[person(0.8)])) == []


def test_loitering_after_the_dwell_time_in_the_zone():
    rule = RuleSpec(id=1, kind=LOITERING, points=LEFT_HALF, dwell_seconds=10, cooldown_seconds=60)
    engine = RuleEngine([rule])
    hits = {}
    for second in range(0, 14):
        hits[second] = engine.observe(
            Observation(T0 + second, people=[person(0.2 + second * 0.005)])
        )
    assert [s for s, h in hits.items() if h] == [10]
    assert "Loitering" in hits[10][0].message


def test_loitering_clock_restarts_when_the_person_leaves_the_zone():
    rule = RuleSpec(id=1, kind=LOITERING, points=LEFT_HALF, dwell_seconds=5, cooldown_seconds=60)
    engine = RuleEngine([rule])
    path = [0.40, 0.44, 0.48, 0.52, 0.56, 0.52, 0.48, 0.44, 0.40, 0.40, 0.40, 0.40]
    fired = [
        s for s, x in enumerate(path) if engine.observe(Observation(T0 + s, people=[person(x)]))
    ]
    assert fired == [11]  # back in at second 6: five seconds later, not at second 5


def test_crowd_over_threshold_in_zone():
    rule = RuleSpec(id=1, kind=CROWD, points=LEFT_HALF, count_threshold=3, cooldown_seconds=1)
    engine = RuleEngine([rule])
    four_spread = [person(0.1), person(0.3), person(0.7), person(0.9)]
    assert engine.observe(Observation(T0, people=four_spread)) == []  # two in the zone
    three_in = [person(0.1), person(0.25), person(0.4)]
    (hit,) = engine.observe(Observation(T0 + 2, people=three_in))
    assert hit.kind == CROWD and "3 people" in hit.message and len(hit.boxes) == 3


def _calm(frame: int) -> float:
    return 0.01 + 0.01 * (frame % 2)  # leaves swaying: 1-2 % of the frame moving


def test_unusual_motion_needs_a_baseline_first():
    engine = RuleEngine([RuleSpec(id=1, kind=UNUSUAL_MOTION, cooldown_seconds=1)])
    for frame in range(24):
        assert engine.observe(Observation(T0 + frame, motion=_calm(frame))) == []
    assert engine.observe(Observation(T0 + 24, motion=0.4)) == []  # 24 samples: too few


def test_unusual_motion_far_above_the_baseline():
    engine = RuleEngine([RuleSpec(id=1, kind=UNUSUAL_MOTION, cooldown_seconds=1)])
    for frame in range(40):
        assert engine.observe(Observation(T0 + frame, motion=_calm(frame))) == []
    assert engine.observe(Observation(T0 + 40, motion=0.03)) == []  # a little busier: not unusual
    (hit,) = engine.observe(Observation(T0 + 42, motion=0.4))
    assert hit.kind == UNUSUAL_MOTION and hit.confidence >= 0.5
    assert "40%" in hit.message


def test_camera_health_alerts_without_a_configured_rule():
    engine = RuleEngine([RuleSpec(id=1, kind=PERSON_IN_ZONE, points=WHOLE_FRAME)], camera_id=2)
    (hit,) = engine.observe(Observation(T0, health="black"))
    assert hit.kind == CAMERA_HEALTH and hit.rule_id == 0
    assert hit.message == "Camera image is black"
    assert hit.dedupe_key.startswith("camera:2:rule:0:")
    # Its own cool-down: the camera staying black is one alert, not one per frame.
    assert engine.observe(Observation(T0 + 1, health="black")) == []
    assert engine.observe(Observation(T0 + 2, health="down")) == []


def test_configured_health_rule_replaces_the_implicit_one():
    engine = RuleEngine([RuleSpec(id=9, kind=CAMERA_HEALTH, min_confidence=0, cooldown_seconds=5)])
    (hit,) = engine.observe(Observation(T0, health="covered"))
    assert hit.rule_id == 9 and hit.message == "Camera appears covered"
    assert engine.observe(Observation(T0 + 6, health="ok")) == []
    assert [h.rule_id for h in engine.observe(Observation(T0 + 7, health="down"))] == [9]


def test_edited_rules_keep_cooldowns():
    rule = RuleSpec(id=1, kind=PERSON_IN_ZONE, points=WHOLE_FRAME, cooldown_seconds=60)
    engine = RuleEngine([rule])
    assert engine.observe(Observation(T0, people=[person(0.5)]))
    engine.set_rules([RuleSpec(id=1, kind=PERSON_IN_ZONE, points=LEFT_HALF, cooldown_seconds=60)])
    assert engine.observe(Observation(T0 + 5, people=[person(0.2)])) == []
