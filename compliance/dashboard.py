"""The DPO's dashboard: a registry of tiles each app contributes, like report sections.

    from compliance.dashboard import Tile, TileLine, dashboard_tile_register

    dashboard_tile_register("unmasks", "Un-masks, last 30 days", build, order=10)

``build(user)`` returns a :class:`Tile`: a headline number with the link to the list behind
it, optional lines (each with its own link) and a state (``ok``, ``attention``, ``alert``).
Later capabilities (subject-access clocks, breaches, signage and notices, DPIAs and reviews)
already have *slots*: placeholder tiles registered here under their keys; the app that builds
one registers a tile under the same key and it takes the slot's place, with no other change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TileLine:
    label: str
    value: object = ""
    url: str = ""
    state: str = ""


@dataclass
class Tile:
    value: object = None
    url: str = ""
    caption: str = ""
    state: str = "ok"  # ok, attention, alert, pending (a slot no capability fills yet)
    lines: list[TileLine] = field(default_factory=list)
    #: Small series for a sparkline (e.g. access events per day).
    trend: list[int] = field(default_factory=list)
    #: A button that POSTs to ``action_url`` (e.g. "Verify now").
    action_label: str = ""
    action_url: str = ""

    @property
    def value_is_text(self) -> bool:
        return isinstance(self.value, str) and not self.value.rstrip("%").isdigit()

    @property
    def trend_heights(self) -> list[int]:
        """The trend as percentages of its peak (the sparkline's bar heights)."""
        peak = max(self.trend, default=0)
        return [round(100 * n / peak) if peak else 0 for n in self.trend]


@dataclass(frozen=True)
class TileSpec:
    key: str
    title: str
    build: Callable[[object], Tile]
    order: int = 100
    group: str = "Posture"


_tiles: dict[str, TileSpec] = {}


def dashboard_tile_register(
    key: str, title: str, build: Callable[[object], Tile], *, order: int = 100,
    group: str = "Posture",
) -> None:  # fmt: skip
    """Add a tile, or replace the tile (or slot) registered under ``key``."""
    _tiles[key] = TileSpec(key=key, title=title, build=build, order=order, group=group)


def dashboard_tiles() -> list[TileSpec]:
    return sorted(_tiles.values(), key=lambda t: (t.order, t.key))


def _slot(caption: str) -> Callable[[object], Tile]:
    return lambda user: Tile(value=None, caption=caption, state="pending")


# Slots later issues fill: registering a tile under the same key replaces the placeholder.
SLOTS = {
    "dsar": ("Subject-access requests", "Clocks for open requests will show here."),
    "breaches": ("Personal-data breaches", "Breach records and their 72-hour clocks."),
    "notices": ("Signage and privacy notices", "Published notices and signage checks."),
    "dpia": ("DPIAs and reviews due", "Impact assessments and periodic reviews."),
}
for _order, (_key, (_title, _caption)) in enumerate(SLOTS.items(), start=900):
    dashboard_tile_register(_key, _title, _slot(_caption), order=_order, group="Obligations")
