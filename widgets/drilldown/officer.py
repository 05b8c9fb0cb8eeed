"""The officer (or vehicle) drill-down: profile, the window's cases and the track replay,
drawn from an :class:`~backend_client.stories.OfficerStory`."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from backend_client.stories import SPEEDS, OfficerStory, Source, TrackReplay
from backend_client.stories.replay import Clock, Stop, speeds_kmh
from widgets.drilldown.base import DrilldownPanel
from widgets.drilldown.formatting import category_text, clock_time, date_time
from widgets.drilldown.tables import fill, form, heading, rows_of, table
from widgets.drilldown.texts import MERCHANT_TEXT, OFFICER_TEXT, TEXT
from widgets.minimap import Marker, MiniMap
from widgets.palette import colour
from widgets.text import translate


class OfficerDrilldown(DrilldownPanel):
    """One officer: profile, the window's cases and a track replay (``unit.track``) drawn
    on a mini-map.

    ``positionChanged(lat, lon, ts)`` fires whenever the replayed position moves (slider,
    playing, load); the mini-map's cursor follows it. ``cases`` are incident dicts (as on
    the wire); those the officer was on and reported within the window are marked.
    """

    KIND = "officer"
    positionChanged = Signal(float, float, float)

    #: How often the cursor advances while playing, ms.
    TICK_MS = 200

    story: OfficerStory

    def __init__(
        self,
        unit_id: str,
        fetch: Source | OfficerStory,
        *,
        start: float,
        end: float,
        cases: Sequence[Mapping[str, Any]] = (),
        profile: Mapping[str, str] | None = None,
        clock: Clock = time.monotonic,
        parent: QWidget | None = None,
    ) -> None:
        story = (
            fetch
            if isinstance(fetch, OfficerStory)
            else OfficerStory(
                unit_id, fetch, start=start, end=end, cases=cases, profile=profile, clock=clock
            )
        )
        who = story.profile
        #: A vehicle is the same panel, titled and known by its plate.
        self.is_vehicle = who.is_vehicle
        if self.is_vehicle:
            super().__init__(story, parent, who.plate, OFFICER_TEXT["vehicle_title"])
        else:
            super().__init__(story, parent, unit_id, OFFICER_TEXT["title"])
        self.setObjectName("OfficerDrilldown")
        self.unit_id = unit_id
        self.start_ts, self.end_ts = story.start, story.end
        self.status.setText(translate("drilldown", OFFICER_TEXT["loading"]).format(unit=unit_id))
        left = self.left
        if self.is_vehicle:
            texts = {**OFFICER_TEXT, "name": OFFICER_TEXT["vehicle_name"]}
            keys = ("plate", "name", "team", "status", "window")
            _, self.fields = form(left, keys, texts)
            self.fields["plate"].setText(who.plate)
        else:
            _, self.fields = form(left, ("name", "team", "status", "window"), OFFICER_TEXT)
        self.fields["name"].setText(who.name)
        self.fields["team"].setText(who.team)
        self.fields["status"].setText(who.status)
        self.fields["window"].setText(f"{date_time(story.start)} – {clock_time(story.end)}")

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("ReplaySlider")
        self.slider.setRange(0, max(0, round(story.end - story.start)))
        self.slider.valueChanged.connect(self._on_slider)
        self.play_button = QPushButton(translate("drilldown", OFFICER_TEXT["play"]))
        self.play_button.setObjectName("ReplayPlay")
        self.play_button.clicked.connect(self.toggle)
        self.speed_box = QComboBox()
        self.speed_box.setObjectName("ReplaySpeed")
        for speed in SPEEDS:
            self.speed_box.addItem(f"x{speed}", speed)
        self.speed_box.currentIndexChanged.connect(self._on_speed)
        self.position_label = QLabel()
        self.position_label.setObjectName("ReplayPosition")
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(QLabel(translate("drilldown", OFFICER_TEXT["speed"])))
        controls.addWidget(self.speed_box)
        controls.addWidget(self.slider, 1)
        left.addLayout(controls)
        left.addWidget(self.position_label)
        left.addWidget(
            heading(translate("drilldown", OFFICER_TEXT["cases"]), "OfficerCasesHeading")
        )
        self.case_table = table(
            [
                translate("drilldown", TEXT["reported_at"]),
                translate("drilldown", MERCHANT_TEXT["case"]),
                translate("drilldown", TEXT["category"]),
            ],
            "OfficerCases",
        )
        self.case_table.itemActivated.connect(
            lambda item: self._open_row(self.case_table, item.row())
        )
        left.addWidget(self.case_table, 1)
        # Where the officer stayed 2 minutes or more (停留), with how long; a row jumps
        # the replay there.
        left.addWidget(heading(translate("drilldown", "停留"), "OfficerStopsHeading"))
        self.stop_table = table(
            [
                translate("drilldown", "开始"),
                translate("drilldown", "时长"),
                translate("drilldown", "位置"),
            ],
            "OfficerStops",
        )
        self.stop_table.itemActivated.connect(lambda item: self._seek_stop(item.row()))
        left.addWidget(self.stop_table, 1)
        self.minimap = MiniMap()
        self.minimap.markerActivated.connect(lambda key: self.openRequested.emit("incident", key))
        self.right.addWidget(self.minimap, 1)
        self.speed_chart = SpeedChart()
        self.right.addWidget(self.speed_chart)
        self.split.setStretchFactor(1, 2)
        self._timer = QTimer(self)
        self._timer.setInterval(self.TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._fill_cases()

    @property
    def replay(self) -> TrackReplay:
        return self.story.replay

    def _render(self) -> None:
        # The story replaced the replay (paused, at the speed chosen): draw the new one.
        self._timer.stop()
        self._label_button()
        self._fill_cases()
        self._fill_stops()
        self._draw_track()
        self.speed_chart.draw(self.replay.points, self.replay.stops, self.start_ts, self.end_ts)
        if not self.replay.points:
            self.position_label.setText(translate("drilldown", OFFICER_TEXT["no_track"]))
        if self.story.focus is not None:
            # Opened from a case timeline row: the officer at that step's moment.
            self.seek(self.story.focus)
        else:
            self.seek(self.replay.points[0].ts if self.replay.points else self.start_ts)

    def _fill_cases(self) -> None:
        marks = self.replay.cases
        fill(
            self.case_table,
            [(clock_time(m.ts), m.case_id, category_text(m.category)) for m in marks],
            [m.case_id for m in marks],
        )

    def _draw_track(self) -> None:
        track = [(p.lat, p.lon) for p in self.replay.points]
        markers = [
            Marker(m.case_id, m.lat, m.lon, "track_case")
            for m in self.replay.cases
            if m.lat is not None and m.lon is not None
        ]
        self.minimap.set_track(track)
        self.minimap.set_markers(markers)
        self.minimap.set_cursor(None)
        self.minimap.fit(track + [(m.lat, m.lon) for m in markers], min_span_m=500.0)

    # ---- replay controls --------------------------------------------------------------

    def seek(self, ts: float) -> None:
        """Show the officer at ``ts`` (clamped to the window)."""
        self.replay.seek(ts)
        self._show(self.replay.cursor())

    def toggle(self) -> None:
        if self.replay.toggle():
            self._timer.start()
        else:
            self._timer.stop()
        self._label_button()

    def pause(self) -> None:
        self.replay.pause()
        self._timer.stop()
        self._label_button()

    def set_speed(self, speed: int) -> None:
        index = self.speed_box.findData(speed)
        if index < 0:
            raise ValueError(f"speed x{speed} not offered")
        self.speed_box.setCurrentIndex(index)

    def tick(self) -> None:
        """Advance while playing (the timer calls this; tests may too)."""
        ts = self.replay.cursor()
        self._show(ts)
        if not self.replay.playing:
            self._timer.stop()
            self._label_button()

    def _on_speed(self, _index: int) -> None:
        self.replay.set_speed(float(self.speed_box.currentData()))

    def _on_slider(self, value: int) -> None:
        self.replay.seek(self.start_ts + value)
        self._show(self.replay.cursor(), from_slider=True)

    def _label_button(self) -> None:
        key = "pause" if self.replay.playing else "play"
        self.play_button.setText(translate("drilldown", OFFICER_TEXT[key]))

    def _show(self, ts: float, *, from_slider: bool = False) -> None:
        if not from_slider:
            self.slider.blockSignals(True)
            self.slider.setValue(round(ts - self.start_ts))
            self.slider.blockSignals(False)
        where = self.replay.position_at(ts)
        self.minimap.set_cursor(where, self.replay.travelled(ts))
        self.speed_chart.set_cursor(ts - self.start_ts)
        if where is None:
            return
        lat, lon = where
        self.position_label.setText(
            translate("drilldown", OFFICER_TEXT["position"]).format(
                t=clock_time(ts), lat=lat, lon=lon
            )
        )
        self.positionChanged.emit(lat, lon, ts)

    def _fill_stops(self) -> None:
        stops = self.replay.stops
        fill(
            self.stop_table,
            [
                (clock_time(stop.start), stop_length_text(stop), f"{stop.lat:.5f}, {stop.lon:.5f}")
                for stop in stops
            ],
            [str(i) for i in range(len(stops))],
        )

    def _seek_stop(self, row: int) -> None:
        if 0 <= row < len(self.replay.stops):
            self.seek(self.replay.stops[row].start)

    def stop_rows(self) -> list[tuple[str, ...]]:
        """(start, length, place) of the track's stops, oldest first."""
        return rows_of(self.stop_table)

    def case_rows(self) -> list[tuple[str, ...]]:
        """(reported at, case, category) of the window's cases, oldest first."""
        return rows_of(self.case_table)


def stop_length_text(stop: Stop) -> str:
    """ "12 分钟": whole minutes (a stop is two or more)."""
    return translate("drilldown", "{m} 分钟").format(m=round(stop.seconds / 60))


class SpeedChart(pg.PlotWidget):  # type: ignore[misc]
    """Speed (km/h) over the replay window beside the track: stops shaded and labelled
    with their length, a line at the replayed instant. Minutes from the window's start
    along the bottom."""

    HEIGHT = 150

    def __init__(self) -> None:
        super().__init__(background=colour("kpi.background"))
        self.setObjectName("OfficerSpeedChart")
        self.setFixedHeight(self.HEIGHT)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        plot = self.getPlotItem()
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            axis.setPen(pg.mkPen(colour("kpi.axis")))
            axis.setTextPen(pg.mkPen(colour("kpi.axis_text")))
        plot.setLabel("left", "km/h")
        # Minutes from the window's start: said, or 0-60 reads as a speed or a clock.
        plot.setLabel("bottom", translate("drilldown", "分钟"))
        self.curve = plot.plot([], [], pen=pg.mkPen(colour("kpi.met"), width=2))
        self.cursor = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen(colour("kpi.figure"), width=1))
        plot.addItem(self.cursor)
        self._stop_items: list[pg.GraphicsObject] = []
        #: Each stop's (start, end) in seconds from the window's start, as drawn.
        self.stop_spans: list[tuple[float, float]] = []

    def draw(self, points: list[Any], stops: list[Stop], start: float, end: float) -> None:
        plot = self.getPlotItem()
        for item in self._stop_items:
            plot.removeItem(item)
        self._stop_items = []
        speeds = speeds_kmh(points)
        # Minutes along the axis: a window is minutes to hours long.
        self.curve.setData([(p.ts - start) / 60 for p in points], speeds)
        self.stop_spans = [(s.start - start, s.end - start) for s in stops]
        top = max([*speeds, 10.0])
        for stop in stops:
            span = ((stop.start - start) / 60, (stop.end - start) / 60)
            region = pg.LinearRegionItem(
                span, movable=False, brush=pg.mkBrush(colour("alerts.warning") + "40"), pen=None
            )
            label = pg.TextItem(
                stop_length_text(stop), color=colour("alerts.warning"), anchor=(0, 0)
            )
            label.setPos(span[0], top)
            for item in (region, label):
                plot.addItem(item)
                self._stop_items.append(item)
        plot.setXRange(0, max(1.0, (end - start) / 60), padding=0.01)
        plot.setYRange(0, top * 1.15, padding=0)

    def set_cursor(self, seconds: float) -> None:
        self.cursor.setValue(seconds / 60)
