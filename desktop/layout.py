"""The wall layout file (TOML), declared once as a schema and validated at load.

A layout names each screen by index or by name, splits it into a grid of panels and gives
each panel its options; a cell may instead rotate through a playlist of panels. Every
error names the file, the line and the field (``screens[2].panels[1].row_span``), because
the person reading it is an installer at a wall PC, not the author of this module.

Pure Python: no Qt here, so ``watchfloor check`` and the tests load layouts headless.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from backend_client.resources import resource

ScreenLost = Literal["move", "wait"]
PANEL_KINDS: Final = ("map", "ticker", "queue", "kpi", "alerts", "clock", "situation")
KPI_CHARTS: Final = ("per_hour", "compliance", "officers", "response")
MAX_GRID: Final = 12


class LayoutError(Exception):
    """A layout file is wrong; ``str()`` is the message an installer needs."""

    def __init__(self, path: Path, line: int | None, field_path: str, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: field '{field_path}': {problem}")
        self.path = path
        self.line = line
        self.field = field_path
        self.problem = problem


# ---- the schema ------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One panel option: its type, default, an extra check and what it is for."""

    kind: type | tuple[type, ...]
    default: Any
    doc: str
    check: Callable[[Any], str | None] = lambda _value: None


def _range(low: float, high: float) -> Callable[[Any], str | None]:
    return lambda v: None if low <= v <= high else f"must be {low:g}..{high:g}"


def _subset(allowed: Sequence[str]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        bad = [v for v in value if v not in allowed]
        return f"unknown {bad[0]!r} (one of {', '.join(allowed)})" if bad else None

    return check


def _one_of(allowed: Sequence[str]) -> Callable[[Any], str | None]:
    return lambda v: None if v in allowed else f"one of {', '.join(allowed)}"


def _lat_lon(value: Any) -> str | None:
    ok = (
        len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and -90 <= value[0] <= 90
        and -180 <= value[1] <= 180
    )
    return None if ok else "[lat, lon] in degrees, e.g. [29.11, 119.65]"


#: Options per panel kind. Unknown options are errors: a typo must not silently do nothing.
PANEL_OPTIONS: Final[dict[str, dict[str, Option]]] = {
    "map": {
        "show_incidents": Option(bool, True, "draw open incidents, live"),
        "fit": Option(
            str,
            "wucheng",
            "wucheng: frame the district; none: keep the view",
            _one_of(("wucheng", "none")),
        ),
        "center": Option(list, [], "[lat, lon] (WGS-84) to centre on; needs zoom", _lat_lon),
        "zoom": Option((int, float), 0, "zoom level with center (8..19)", _range(8, 19)),
        "trails": Option(bool, False, "officers' trails of the last trail_minutes"),
        "trail_minutes": Option((int, float), 10, "trail length in minutes", _range(1, 120)),
        "follow": Option(str, "none", "an officer id to keep centred, or none"),
        "merchants": Option(bool, True, "merchants by risk (high-risk only at district zoom)"),
        "alerts": Option(bool, True, "rings around the subjects of open supervision alerts"),
    },
    "ticker": {
        "speed": Option(int, 120, "scroll speed, pixels per second", _range(20, 600)),
        "pinned": Option(int, 2, "urgent items pinned at the left", _range(0, 4)),
    },
    "queue": {
        "max_rows": Option(int, 200, "rows kept in the queue", _range(1, 5000)),
        "show_handled": Option(bool, True, "keep handled cases (green) below the open ones"),
    },
    "kpi": {
        "period": Option(str, "today", "today | 24h", _one_of(("today", "24h"))),
        "charts": Option(list, list(KPI_CHARTS), "which charts, in order", _subset(KPI_CHARTS)),
    },
    "alerts": {
        "max_items": Option(int, 50, "alerts listed", _range(1, 500)),
    },
    "clock": {
        "seconds": Option(bool, True, "show seconds"),
    },
    "situation": {
        "title": Option(str, "态势研判", "heading of the pinned situation slot"),
    },
}


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
    title: str = "婺城区综合行政执法指挥平台"
    kinds: frozenset[str] = field(default_factory=frozenset)


def default_layout_path() -> Path:
    return resource("layouts", "single.toml")


# ---- loading ---------------------------------------------------------------------------


def load_layout(path: Path | None = None) -> WallLayout:
    """Read and validate a layout; raises :class:`LayoutError` naming file, line, field."""
    path = path or default_layout_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LayoutError(path, None, "(file)", f"cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise LayoutError(path, line, "(syntax)", str(exc)) from None
    return _Reader(path, text).layout(data)


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    # -- errors with a line --------------------------------------------------------------

    def fail(self, where: Sequence[str | int], problem: str) -> LayoutError:
        return LayoutError(self.path, self.locate(where), _dotted(where), problem)

    def locate(self, where: Sequence[str | int]) -> int | None:
        """The line of a field (1-based), or of its section when the field is absent.

        tomllib gives no positions for values, so this walks the headers: ``[[name]]``
        arrays by count (``screens[2]`` is the third ``[[screens]]``), ``[name]`` tables,
        then the ``key =`` line inside the section; parts below that (inline tables and
        arrays, ``playlist[1].seconds``) are found by counting occurrences of the key.
        """
        parts = list(where)
        start, end, prefix = 0, len(self.lines), ""
        narrowed = False
        i = 0
        while i < len(parts):
            name = str(parts[i])
            index = parts[i + 1] if i + 1 < len(parts) and isinstance(parts[i + 1], int) else None
            full = prefix + name
            header = (
                re.compile(r"^\s*\[\[\s*" + re.escape(full) + r"\s*\]\]")
                if index is not None
                else re.compile(r"^\s*\[\s*" + re.escape(full) + r"\s*\](?!\])")
            )
            hits = [n for n in range(start, end) if header.match(self.lines[n])]
            if hits and (index is None or int(index) < len(hits)):
                found = hits[int(index or 0)]
                start, end = found, self._section_end(found, end, full)
                prefix, narrowed = full + ".", True
                i += 2 if index is not None else 1
                continue
            line = self._key_line(name, start, end, 0)
            if line is None:
                return start + 1 if narrowed else None
            # Deeper parts live in inline tables/arrays from that line on.
            rest = parts[i + 1 :]
            nth = 0
            for part in rest:
                if isinstance(part, int):
                    nth = part
                    continue
                deeper = self._key_line(part, line, end, nth)
                if deeper is not None:
                    line = deeper
                nth = 0
            return line + 1
        return start + 1 if narrowed else None

    def _section_end(self, found: int, end: int, full: str) -> int:
        any_header = re.compile(r"^\s*\[\[?\s*([\w.]+)\s*\]\]?")
        for n in range(found + 1, end):
            match = any_header.match(self.lines[n])
            if match and not match.group(1).startswith(full + "."):
                return n
        return end

    def _key_line(self, key: str, start: int, end: int, nth: int) -> int | None:
        pattern = re.compile(r"(^|[{,\s])" + re.escape(key) + r"\s*=")
        seen = 0
        for n in range(start, end):
            if pattern.search(self.lines[n].split("#", 1)[0]):
                if seen == nth:
                    return n
                seen += 1
        return None

    # -- typed reads ---------------------------------------------------------------------

    def get(
        self,
        table: Mapping[str, Any],
        key: str,
        kind: type | tuple[type, ...],
        where: Sequence[str | int],
        default: Any = ...,
    ) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail([*where, key], "is required")
            return default
        value = table[key]
        # bool is an int in Python; a layout saying `row = true` is a mistake.
        if isinstance(value, bool) and bool not in _as_tuple(kind):
            raise self.fail([*where, key], f"expected {_type_name(kind)}, got true/false")
        if not isinstance(value, kind):
            raise self.fail(
                [*where, key], f"expected {_type_name(kind)}, got {type(value).__name__}"
            )
        return value

    def no_unknown(
        self, table: Mapping[str, Any], known: Sequence[str], where: Sequence[str | int]
    ) -> None:
        for key in table:
            if key not in known:
                raise self.fail([*where, key], f"unknown field (known: {', '.join(known)})")

    # -- the document --------------------------------------------------------------------

    def layout(self, data: Mapping[str, Any]) -> WallLayout:
        self.no_unknown(data, ("wall", "screens"), [])
        wall = self.get(data, "wall", dict, [], {})
        self.no_unknown(wall, ("title", "on_screen_lost", "cursor_idle_s"), ["wall"])
        lost = self.get(wall, "on_screen_lost", str, ["wall"], "move")
        if lost not in ("move", "wait"):
            raise self.fail(["wall", "on_screen_lost"], "one of move, wait")
        idle = float(self.get(wall, "cursor_idle_s", (int, float), ["wall"], 3.0))
        if not 0 < idle <= 3600:
            raise self.fail(["wall", "cursor_idle_s"], "must be 0..3600 seconds")
        title = self.get(wall, "title", str, ["wall"], WallLayout.title)
        raw_screens = self.get(data, "screens", list, [])
        if not raw_screens:
            raise self.fail(["screens"], "at least one [[screens]] table")
        screens = tuple(self.screen(raw, i) for i, raw in enumerate(raw_screens))
        seen: dict[int | str, int] = {}
        for i, screen in enumerate(screens):
            if screen.screen in seen:
                raise self.fail(
                    ["screens", i, "screen"],
                    f"screen {screen.screen!r} already used by screens[{seen[screen.screen]}]",
                )
            seen[screen.screen] = i
        kinds = frozenset(v.kind for s in screens for p in s.panels for v in p.views)
        return WallLayout(self.path, screens, lost, idle, title, kinds)

    def screen(self, raw: Any, i: int) -> ScreenSpec:
        where: list[str | int] = ["screens", i]
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a table")
        known = ("screen", "rows", "cols", "row_weights", "col_weights", "title", "panels")
        self.no_unknown(raw, known, where)
        screen = self.get(raw, "screen", (int, str), where)
        if isinstance(screen, int) and not 0 <= screen < 64:
            raise self.fail([*where, "screen"], "a screen index is 0..63")
        if isinstance(screen, str) and not screen.strip():
            raise self.fail([*where, "screen"], "a screen name must not be empty")
        rows = self.get(raw, "rows", int, where, 1)
        cols = self.get(raw, "cols", int, where, 1)
        for name, value in (("rows", rows), ("cols", cols)):
            if not 1 <= value <= MAX_GRID:
                raise self.fail([*where, name], f"must be 1..{MAX_GRID}")
        weights: dict[str, tuple[int, ...]] = {}
        for name, count in (("row_weights", rows), ("col_weights", cols)):
            value = self.get(raw, name, list, where, [1] * count)
            if len(value) != count or not all(
                isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= 100 for w in value
            ):
                raise self.fail([*where, name], f"{count} integers 1..100 (one per row/col)")
            weights[name] = tuple(value)
        raw_panels = self.get(raw, "panels", list, where)
        if not raw_panels:
            raise self.fail([*where, "panels"], "at least one [[screens.panels]] table")
        panels = tuple(
            self.panel(p, [*where, "panels", j], rows, cols) for j, p in enumerate(raw_panels)
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
        title = self.get(raw, "title", str, where, "")
        return ScreenSpec(
            screen, rows, cols, panels, title, weights["row_weights"], weights["col_weights"]
        )

    def panel(self, raw: Any, where: list[str | int], rows: int, cols: int) -> PanelSpec:
        if not isinstance(raw, dict):
            raise self.fail(where, "expected a table")
        known = ("kind", "options", "playlist", "row", "col", "row_span", "col_span")
        self.no_unknown(raw, known, where)
        row = self.get(raw, "row", int, where, 0)
        col = self.get(raw, "col", int, where, 0)
        row_span = self.get(raw, "row_span", int, where, 1)
        col_span = self.get(raw, "col_span", int, where, 1)
        if not 0 <= row < rows:
            raise self.fail([*where, "row"], f"must be 0..{rows - 1} (the screen has {rows} rows)")
        if not 0 <= col < cols:
            raise self.fail([*where, "col"], f"must be 0..{cols - 1} (the screen has {cols} cols)")
        if row_span < 1 or row + row_span > rows:
            raise self.fail([*where, "row_span"], f"row {row} + row_span must fit in {rows} rows")
        if col_span < 1 or col + col_span > cols:
            raise self.fail([*where, "col_span"], f"col {col} + col_span must fit in {cols} cols")
        if ("kind" in raw) == ("playlist" in raw):
            raise self.fail([*where, "kind"], "give either kind or playlist (one of them)")
        if "kind" in raw:
            views: tuple[PanelView, ...] = (
                self.view(raw, where, self.get(raw, "options", dict, where, {})),
            )
        else:
            playlist = self.get(raw, "playlist", list, where)
            if not playlist:
                raise self.fail([*where, "playlist"], "at least one entry")
            views = tuple(
                self.playlist_entry(entry, [*where, "playlist", k])
                for k, entry in enumerate(playlist)
            )
        return PanelSpec(row, col, row_span, col_span, views)

    def playlist_entry(self, raw: Any, where: list[str | int]) -> PanelView:
        if not isinstance(raw, dict):
            raise self.fail(where, "expected { kind = ..., seconds = ... }")
        self.no_unknown(raw, ("kind", "seconds", "options"), where)
        seconds = float(self.get(raw, "seconds", (int, float), where))
        if not 3 <= seconds <= 3600:
            raise self.fail([*where, "seconds"], "must be 3..3600")
        view = self.view(raw, where, self.get(raw, "options", dict, where, {}))
        return PanelView(view.kind, view.options, seconds)

    def view(
        self, raw: Mapping[str, Any], where: list[str | int], options: Mapping[str, Any]
    ) -> PanelView:
        kind = self.get(raw, "kind", str, where)
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
        return PanelView(kind, values)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true/false"}
    names.update({list: "a list", dict: "a table"})
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


def _dotted(where: Sequence[str | int]) -> str:
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(document)"


# ---- where a layout is, and the client configuration file ------------------------------


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


CLIENT_LANGS: Final = ("zh_CN", "en")


@dataclass(frozen=True)
class ClientConfig:
    """One table (``[wall]`` or ``[desk]``) of ``watchfloor.toml``; None: not set there."""

    path: Path | None = None
    hub: str | None = None
    token: str | None = None
    layout: Path | None = None
    lang: str | None = None
    windowed: bool | None = None


def load_client_config(path: Path | None, section: str) -> ClientConfig:
    """Read ``[section]`` of a configuration file; raises :class:`LayoutError` (file, line,
    field) for anything wrong. Other tables are left to the programs that own them.

    ``token_file`` (relative to the config file) keeps the token out of the command line
    and out of a world-readable file; ``layout`` is resolved as ``--layout`` is, a
    relative path against the config file's folder."""
    if path is None:
        return ClientConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LayoutError(path, None, "(file)", f"cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise LayoutError(
            path, int(match.group(1)) if match else None, "(syntax)", str(exc)
        ) from None
    reader = _Reader(path, text)
    table = reader.get(data, section, dict, [], {})
    known = ("hub", "token", "token_file", "lang") + (
        ("layout", "windowed") if section == "wall" else ()
    )
    reader.no_unknown(table, known, [section])
    where = [section]
    hub = reader.get(table, "hub", str, where, None)
    if hub is not None and not hub.strip():
        raise reader.fail([section, "hub"], "must not be empty (ws://HOST:PORT)")
    token = reader.get(table, "token", str, where, None)
    token_file = reader.get(table, "token_file", str, where, None)
    if token is not None and token_file is not None:
        raise reader.fail([section, "token_file"], "give token or token_file, not both")
    if token_file is not None:
        file = path.parent / Path(token_file).expanduser()
        try:
            token = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise reader.fail(
                [section, "token_file"], f"cannot read {file}: {exc.strerror or exc}"
            ) from None
        if not token:
            raise reader.fail([section, "token_file"], f"{file} is empty")
    lang = reader.get(table, "lang", str, where, None)
    if lang is not None and lang not in CLIENT_LANGS:
        raise reader.fail([section, "lang"], f"one of {', '.join(CLIENT_LANGS)}")
    layout: Path | None = None
    raw_layout = reader.get(table, "layout", str, where, None)
    if raw_layout is not None:
        given = Path(raw_layout).expanduser()
        if len(given.parts) > 1 and not given.is_absolute():
            given = path.parent / given
        layout = resolve_layout(given)
        if layout is None or not layout.is_file():
            # Point at the config line: that is where the installer has to look.
            raise reader.fail(
                [section, "layout"], f"no layout {raw_layout!r} (a file, or NAME in layouts/)"
            )
    windowed = reader.get(table, "windowed", bool, where, None)
    return ClientConfig(path, hub, token, layout, lang, windowed)
