"""The wall layout file (TOML), declared once as a schema and validated at load.

A layout names each screen by index or by name, splits it into a grid of panels and gives
each panel its options; a cell may instead rotate through a playlist of panels. The file's
tables are declared once in ``desktop.layoutschema`` (types, defaults, a description per
field; panel options per kind) and read here through the shared loader
(``backend_client.config``), then checked for what spans fields (cells fit the grid and do
not overlap). Every error names the file, the line and the field
(``screens[2].panels[1].row_span``): the person reading it is an installer at a wall PC.

Pure Python: no Qt here, so ``watchfloor check`` and the tests load layouts headless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_client.config import ConfigError, TomlFile, read_toml
from backend_client.resources import resource
from desktop.layoutschema import (
    DEFAULT_TITLE,
    KPI_CHARTS,
    MAX_GRID,
    PANEL_KINDS,
    PANEL_OPTIONS,
    LayoutFile,
    Option,
    PanelTable,
    PlaylistEntry,
    RuleTable,
    ScreenLost,
    ScreenTable,
    WallTable,
)
from desktop.speech.settings import SpeechTable, quiet_problem

__all__ = [  # the schema's names, for those who import them from here
    "KPI_CHARTS",
    "MAX_GRID",
    "PANEL_KINDS",
    "PANEL_OPTIONS",
    "LayoutError",
    "LayoutFile",
    "Option",
    "PanelSpec",
    "PanelTable",
    "PanelView",
    "PlaylistEntry",
    "ScreenSpec",
    "ScreenTable",
    "WallLayout",
    "WallTable",
    "default_layout_path",
    "load_layout",
    "resolve_layout",
]


class LayoutError(ConfigError):
    """A layout file is wrong; ``str()`` is the message an
    installer needs: ``FILE:LINE: field 'FIELD': PROBLEM``."""


@dataclass(frozen=True)
class PanelView:
    """One thing a cell shows: a panel kind, its options, how long (in a playlist)."""

    kind: str
    options: Mapping[str, Any]
    seconds: float = 0.0


@dataclass(frozen=True)
class PanelSpec:
    """A cell of a screen's grid; ``views`` has one entry, or several that rotate."""

    row: int
    col: int
    row_span: int
    col_span: int
    views: tuple[PanelView, ...]

    @property
    def kind(self) -> str:
        return self.views[0].kind

    @property
    def rotates(self) -> bool:
        return len(self.views) > 1


@dataclass(frozen=True)
class ScreenSpec:
    """One wall window: which screen (index or name), its grid and its panels."""

    screen: int | str
    rows: int
    cols: int
    panels: tuple[PanelSpec, ...]
    title: str = ""
    row_weights: tuple[int, ...] = ()
    col_weights: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        """A stable name for this window (used for screenshots before a screen is known)."""
        return f"screen-{self.screen}" if isinstance(self.screen, int) else self.screen


@dataclass(frozen=True)
class WallLayout:
    path: Path
    screens: tuple[ScreenSpec, ...]
    on_screen_lost: ScreenLost = "move"
    cursor_idle_s: float = 3.0
    title: str = DEFAULT_TITLE
    kinds: frozenset[str] = field(default_factory=frozenset)
    speech: SpeechTable = field(default_factory=SpeechTable)
    rules: tuple[RuleTable, ...] = ()


def default_layout_path() -> Path:
    return resource("layouts", "single.toml")


# ---- loading ---------------------------------------------------------------------------


def load_layout(path: Path | None = None) -> WallLayout:
    """Read and validate a layout; raises :class:`LayoutError` naming file, line, field."""
    path = path or default_layout_path()
    try:
        file = read_toml(path)
        declared = file.convert(file.data, LayoutFile)
    except ConfigError as exc:
        raise LayoutError(exc.path, exc.line, exc.field, exc.problem) from None
    return _Reader(file).layout(declared)


class _Reader:
    """The checks a Struct cannot declare: cross-field rules and panel options per kind."""

    def __init__(self, file: TomlFile) -> None:
        self.file = file

    def fail(self, where: Sequence[str | int], problem: str) -> LayoutError:
        error = self.file.error(where, problem)
        return LayoutError(error.path, error.line, error.field, error.problem)

    def layout(self, data: LayoutFile) -> WallLayout:
        if not data.screens:
            raise self.fail(["screens"], "at least one [[screens]] table")
        screens = tuple(self.screen(raw, i) for i, raw in enumerate(data.screens))
        seen: dict[int | str, int] = {}
        for i, screen in enumerate(screens):
            if screen.screen in seen:
                raise self.fail(
                    ["screens", i, "screen"],
                    f"screen {screen.screen!r} already used by screens[{seen[screen.screen]}]",
                )
            seen[screen.screen] = i
        kinds = frozenset(v.kind for s in screens for p in s.panels for v in p.views)
        wall = data.wall
        for i, hours in enumerate(data.speech.quiet_hours):
            problem = quiet_problem(hours)
            if problem is not None:
                raise self.fail(["speech", "quiet_hours", i], problem)
        for i, rule in enumerate(data.rules):
            for j, name in enumerate(rule.screens):
                if name not in seen:
                    known = ", ".join(repr(k) for k in seen)
                    raise self.fail(["rules", i, "screens", j], f"no such screen (known: {known})")
        return WallLayout(
            self.file.path,
            screens,
            wall.on_screen_lost,
            wall.cursor_idle_s,
            wall.title,
            kinds,
            speech=data.speech,
            rules=tuple(data.rules),
        )

    def screen(self, raw: ScreenTable, i: int) -> ScreenSpec:
        where: list[str | int] = ["screens", i]
        screen = raw.screen
        if isinstance(screen, int) and not 0 <= screen < 64:
            raise self.fail([*where, "screen"], "a screen index is 0..63")
        if isinstance(screen, str) and not screen.strip():
            raise self.fail([*where, "screen"], "a screen name must not be empty")
        rows, cols = raw.rows, raw.cols
        weights: dict[str, tuple[int, ...]] = {}
        for name, given, count in (
            ("row_weights", raw.row_weights, rows),
            ("col_weights", raw.col_weights, cols),
        ):
            value = [1] * count if given is None else given
            if len(value) != count:
                raise self.fail([*where, name], f"{count} integers 1..100 (one per row/col)")
            weights[name] = tuple(value)
        if not raw.panels:
            raise self.fail([*where, "panels"], "at least one [[screens.panels]] table")
        panels = tuple(
            self.panel(p, [*where, "panels", j], rows, cols) for j, p in enumerate(raw.panels)
        )
        taken: dict[tuple[int, int], int] = {}
        for j, panel in enumerate(panels):
            for r in range(panel.row, panel.row + panel.row_span):
                for c in range(panel.col, panel.col + panel.col_span):
                    if (r, c) in taken:
                        raise self.fail(
                            [*where, "panels", j, "row"],
                            f"cell ({r}, {c}) is already taken by panels[{taken[(r, c)]}]",
                        )
                    taken[(r, c)] = j
        return ScreenSpec(
            screen, rows, cols, panels, raw.title, weights["row_weights"], weights["col_weights"]
        )

    def panel(self, raw: PanelTable, where: list[str | int], rows: int, cols: int) -> PanelSpec:
        row, col, row_span, col_span = raw.row, raw.col, raw.row_span, raw.col_span
        if not 0 <= row < rows:
            raise self.fail([*where, "row"], f"must be 0..{rows - 1} (the screen has {rows} rows)")
        if not 0 <= col < cols:
            raise self.fail([*where, "col"], f"must be 0..{cols - 1} (the screen has {cols} cols)")
        if row_span < 1 or row + row_span > rows:
            raise self.fail([*where, "row_span"], f"row {row} + row_span must fit in {rows} rows")
        if col_span < 1 or col + col_span > cols:
            raise self.fail([*where, "col_span"], f"col {col} + col_span must fit in {cols} cols")
        if (raw.kind is None) == (raw.playlist is None):
            raise self.fail([*where, "kind"], "give either kind or playlist (one of them)")
        if raw.kind is not None:
            views: tuple[PanelView, ...] = (self.view(raw.kind, where, raw.options),)
        else:
            assert raw.playlist is not None  # one of the two, checked above
            if not raw.playlist:
                raise self.fail([*where, "playlist"], "at least one entry")
            views = tuple(
                self.view(entry.kind, [*where, "playlist", k], entry.options, entry.seconds)
                for k, entry in enumerate(raw.playlist)
            )
        return PanelSpec(row, col, row_span, col_span, views)

    def view(
        self,
        kind: str,
        where: list[str | int],
        options: Mapping[str, Any],
        seconds: float = 0.0,
    ) -> PanelView:
        if kind not in PANEL_KINDS:
            raise self.fail(
                [*where, "kind"], f"unknown panel {kind!r} (one of {', '.join(PANEL_KINDS)})"
            )
        schema = PANEL_OPTIONS[kind]
        values: dict[str, Any] = {}
        for key, value in options.items():
            spec = schema.get(key)
            at = [*where, "options", key]
            if spec is None:
                known = ", ".join(schema) or "none"
                raise self.fail(at, f"not an option of {kind} (known: {known})")
            if isinstance(value, bool) and bool not in _as_tuple(spec.kind):
                raise self.fail(at, f"expected {_type_name(spec.kind)}, got true/false")
            if not isinstance(value, spec.kind):
                raise self.fail(at, f"expected {_type_name(spec.kind)}, got {type(value).__name__}")
            problem = spec.check(value)
            if problem:
                raise self.fail(at, problem)
            values[key] = value
        if kind == "map" and ("center" in values) != ("zoom" in values):
            # One without the other cannot place the view; say which is missing.
            missing = "zoom" if "center" in values else "center"
            raise self.fail(
                [*where, "options", next(iter({"center", "zoom"} & set(values)))],
                f"give {missing} too (center and zoom go together)",
            )
        for key, spec in schema.items():
            values.setdefault(key, spec.default)
        return PanelView(kind, values, seconds)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true/false"}
    names.update({list: "a list", dict: "a table"})
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


# ---- where a layout is -----------------------------------------------------------------


def resolve_layout(value: Path | None) -> Path | None:
    """``--layout`` as the installer typed it: a path is a path; a bare name (``lobby``,
    ``lobby.toml``) is ``layouts/NAME.toml`` in the config folders, then one shipped in
    ``resources/layouts/``; nothing given is ``layouts/default.toml`` in the config
    folders, else None (the built-in default). A name found nowhere comes back as typed,
    so the error names it."""
    from desktop.logsetup import find_layout

    found = find_layout(value)
    if value is None or found != value or value.exists() or len(value.parts) > 1:
        return found
    name = value.name if value.name.endswith(".toml") else value.name + ".toml"
    shipped = resource("layouts", name)
    return shipped if shipped.is_file() else value
