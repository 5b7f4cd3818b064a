"""Rules: from what a camera sees, frame after frame, to rule hits.

Pure Python, no Django, no I/O: the worker feeds one :class:`Observation` per analysed frame
and gets back :class:`RuleHit` objects. Everything is in frame fractions (0..1) and epoch
seconds, so the same code runs in the worker and in tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in frame fractions

PERSON_IN_ZONE = "person_in_zone"
LINE_CROSSING = "line_crossing"
LOITERING = "loitering"
CROWD = "crowd"
UNUSUAL_MOTION = "unusual_motion"
CAMERA_HEALTH = "camera_health"

HEALTH_PROBLEMS = {
    "down": "Camera stream is down",
    "black": "Camera image is black",
    "covered": "Camera appears covered",
    "out_of_focus": "Camera image is out of focus",
}


@dataclass(frozen=True)
class RuleSpec:
    id: int
    kind: str
    points: tuple[Point, ...] = ()
    active_from: time | None = None
    active_until: time | None = None
    dwell_seconds: float = 30.0
    count_threshold: int = 5
    min_confidence: float = 0.5
    cooldown_seconds: float = 60.0
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Person:
    box: Box
    score: float

    @property
    def foot(self) -> Point:
        """Where the person stands: the bottom centre of the box.

        Kept just inside the frame: a box cut off by the bottom edge ends at exactly 1.0,
        which no zone can contain (zone points are at most 1.0 and the edge is outside).
        """
        return ((self.box[0] + self.box[2]) / 2, min(self.box[3], 1.0 - 1e-6))


@dataclass(frozen=True)
class Observation:
    captured_at: float
    people: Sequence[Person] = ()
    motion: float = 0.0  # fraction of the frame that moved
    health: str = "ok"  # ok, down, black, covered, out_of_focus


@dataclass(frozen=True)
class RuleHit:
    rule_id: int
    kind: str
    confidence: float
    captured_at: float
    message: str
    boxes: tuple[tuple[float, ...], ...] = ()
    # At most one alert per rule per cool-down window, even if two workers briefly analyse
    # the same camera (a lease lost to a network partition): the database keeps one.
    dedupe_key: str = ""


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / ((y2 - y1) or 1e-12) + x1:
            inside = not inside
    return inside


def _side(a: Point, b: Point, p: Point) -> float:
    return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])


def segments_cross(p1: Point, p2: Point, a: Point, b: Point) -> bool:
    """Does the move p1→p2 cross the line segment a–b (strictly)?"""
    d1, d2 = _side(a, b, p1), _side(a, b, p2)
    d3, d4 = _side(p1, p2, a), _side(p1, p2, b)
    return d1 * d2 < 0 and d3 * d4 < 0


@dataclass
class Track:
    id: int
    person: Person
    first_seen: float
    last_seen: float
    previous_foot: Point | None = None
    zone_since: dict[int, float] = field(default_factory=dict)


class CentroidTracker:
    """Keeps identities of people across frames by nearest foot point; enough for rules."""

    def __init__(self, *, max_distance: float = 0.12, max_age_seconds: float = 2.0) -> None:
        self.max_distance = max_distance
        self.max_age_seconds = max_age_seconds
        self.tracks: dict[int, Track] = {}
        self._next_id = 1

    def update(self, people: Iterable[Person], now: float) -> list[Track]:
        unmatched = dict(self.tracks)
        current: list[Track] = []
        for person in sorted(people, key=lambda p: -p.score):
            best, best_distance = None, self.max_distance
            for track in unmatched.values():
                distance = math.dist(track.person.foot, person.foot)
                if distance < best_distance:
                    best, best_distance = track, distance
            if best is None:
                best = Track(self._next_id, person, first_seen=now, last_seen=now)
                self._next_id += 1
                self.tracks[best.id] = best
            else:
                del unmatched[best.id]
                best.previous_foot = best.person.foot
                best.person = person
                best.last_seen = now
            current.append(best)
        for track in unmatched.values():
            if now - track.last_seen > self.max_age_seconds:
                del self.tracks[track.id]
        return current


class RuleEngine:
    """Evaluates one camera's rules, with cool-downs, over a stream of observations."""

    def __init__(
        self,
        rules: Iterable[RuleSpec],
        *,
        camera_id: int = 0,
        last_hits: dict[int, float] | None = None,
        health_cooldown_seconds: float = 300.0,
    ):
        self.camera_id = camera_id
        self.rules = list(rules)
        # Camera health always alerts, configured or not; a configured rule replaces this one.
        self.implicit_health = RuleSpec(
            id=0, kind=CAMERA_HEALTH, min_confidence=0.0, cooldown_seconds=health_cooldown_seconds
        )
        self.tracker = CentroidTracker()
        # Seeded from stored alerts when a worker takes a camera over, so the cool-down
        # survives the move.
        self.last_hit: dict[int, float] = dict(last_hits or {})
        self._motion_mean = 0.0
        self._motion_var = 0.0
        self._motion_samples = 0

    def set_rules(self, rules: Iterable[RuleSpec]) -> None:
        """Swap in edited rules without losing tracks or cool-downs."""
        self.rules = list(rules)

    def observe(self, observation: Observation) -> list[RuleHit]:
        now = observation.captured_at
        tracks = self.tracker.update(observation.people, now) if observation.health == "ok" else []
        motion_hit = self._motion_is_unusual(observation)
        hits = []
        rules = self.rules
        if not any(rule.kind == CAMERA_HEALTH for rule in rules):
            rules = [*rules, self.implicit_health]
        for rule in rules:
            if not _active(rule, now):
                continue
            hit = self._evaluate(rule, observation, tracks, motion_hit)
            if hit is None or hit.confidence < rule.min_confidence:
                continue
            if now - self.last_hit.get(rule.id, -math.inf) < rule.cooldown_seconds:
                continue
            self.last_hit[rule.id] = now
            window = int(now // rule.cooldown_seconds)
            hits.append(replace(hit, dedupe_key=f"camera:{self.camera_id}:rule:{rule.id}:{window}"))
        return hits

    def _evaluate(self, rule, observation, tracks, motion_hit) -> RuleHit | None:
        now = observation.captured_at

        def hit(confidence: float, message: str, people: Iterable[Person] = ()) -> RuleHit:
            boxes = tuple((*p.box, round(p.score, 3), "person") for p in people)
            return RuleHit(rule.id, rule.kind, round(confidence, 3), now, message, boxes)

        def confident(people):
            return [p for p in people if p.score >= rule.min_confidence]

        if rule.kind == CAMERA_HEALTH:
            problem = HEALTH_PROBLEMS.get(observation.health)
            return hit(1.0, problem) if problem else None
        if rule.kind == UNUSUAL_MOTION:
            return (
                hit(motion_hit, f"Unusual motion ({observation.motion:.0%} of the frame)")
                if motion_hit
                else None
            )
        if rule.kind == PERSON_IN_ZONE:
            inside = confident(
                p for p in observation.people if point_in_polygon(p.foot, rule.points)
            )
            if inside:
                return hit(max(p.score for p in inside), f"{len(inside)} person(s) in zone", inside)
            return None
        if rule.kind == CROWD:
            people = confident(observation.people)
            if rule.points:
                people = [p for p in people if point_in_polygon(p.foot, rule.points)]
            if len(people) >= rule.count_threshold:
                score = sum(p.score for p in people) / len(people)
                return hit(
                    score, f"{len(people)} people (threshold {rule.count_threshold})", people
                )
            return None
        if rule.kind == LINE_CROSSING:
            a, b = rule.points[0], rule.points[1]
            crossed = [
                t.person
                for t in tracks
                if t.previous_foot and segments_cross(t.previous_foot, t.person.foot, a, b)
            ]
            crossed = confident(crossed)
            if crossed:
                return hit(max(p.score for p in crossed), "Line crossed", crossed)
            return None
        if rule.kind == LOITERING:
            loiterers = []
            for track in tracks:
                if point_in_polygon(track.person.foot, rule.points):
                    since = track.zone_since.setdefault(rule.id, now)
                    if now - since >= rule.dwell_seconds:
                        loiterers.append(track.person)
                else:
                    track.zone_since.pop(rule.id, None)
            loiterers = confident(loiterers)
            if loiterers:
                return hit(
                    max(p.score for p in loiterers),
                    f"Loitering over {rule.dwell_seconds:.0f} s",
                    loiterers,
                )
            return None
        return None

    def _motion_is_unusual(self, observation: Observation) -> float:
        """Confidence (0..1) that motion is far above this camera's running baseline."""
        if observation.health != "ok":
            return 0.0
        motion = observation.motion
        n = self._motion_samples
        mean, var = self._motion_mean, self._motion_var
        unusual = 0.0
        if n >= 25:
            threshold = max(0.02, mean + 4 * math.sqrt(var))
            if motion > threshold:
                unusual = min(1.0, 0.5 + (motion - threshold) / max(threshold, 1e-6))
        # Exponential moving statistics; unusual frames barely move the baseline.
        alpha = 0.02 if unusual else 0.05
        if n == 0:
            self._motion_mean = motion
        else:
            delta = motion - mean
            self._motion_mean = mean + alpha * delta
            self._motion_var = (1 - alpha) * (var + alpha * delta * delta)
        self._motion_samples += 1
        return unusual


def _active(rule: RuleSpec, epoch: float) -> bool:
    if rule.active_from is None or rule.active_until is None:
        return True
    local = datetime.fromtimestamp(epoch, UTC).astimezone(ZoneInfo(rule.time_zone)).time()
    start, end = rule.active_from, rule.active_until
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # overnight, e.g. 20:00–06:00
