"""The pinned situation slot: what an operator pushed, else the most urgent open case."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from backend_client.protocol.messages import Incident
from backend_client.qt import QtFeed
from widgets.queue import SOURCE_TEXT, STAGE_TEXT, STATUS_TEXT
from widgets.sla import standing
from widgets.text import duration_text, tr


def incident_lines(incident: Incident, feed: QtFeed, now: float) -> list[str]:
    where = standing(incident, now)
    units = [feed.state.units[u].name for u in incident.units if u in feed.state.units]
    if where.stage == "done":
        clock = tr("1-3-15 达标") if where.state == "met" else tr("1-3-15 超时")
    elif where.left < 0:
        clock = tr("{stage}已超时 {t}").format(
            stage=tr(STAGE_TEXT[where.stage]), t=duration_text(where.left)
        )
    else:
        clock = tr("{stage}剩余 {t}").format(
            stage=tr(STAGE_TEXT[where.stage]), t=duration_text(where.left)
        )
    lines = [
        f"{incident.category} · {tr(SOURCE_TEXT.get(incident.source, incident.source))}",
        incident.address or "",
        clock,
        tr("状态：{s}").format(s=tr(STATUS_TEXT.get(incident.status, incident.status))),
        tr("处置警员：{names}").format(names="、".join(units) if units else tr("未派遣")),
    ]
    if incident.text:
        lines.append(incident.text[:80])
    return [line for line in lines if line]


class SituationPanel(QWidget):
    """``push()`` pins content; without it the panel follows the most urgent open case."""

    def __init__(
        self, feed: QtFeed, *, title: str = "态势研判", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SituationPanel")
        self._feed = feed
        self._pushed: tuple[str, list[str]] | None = None
        self._pushed_incident: str | None = None
        self.heading = QLabel(tr(title))
        self.heading.setObjectName("SituationHeading")
        self.body = QLabel()
        self.body.setObjectName("SituationBody")
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 8, 16, 8)
        box.addWidget(self.heading)
        box.addWidget(self.body, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def push(self, title: str, lines: list[str]) -> None:
        self._pushed, self._pushed_incident = (title, lines), None
        self.refresh()

    def push_incident(self, incident_id: str) -> None:
        self._pushed, self._pushed_incident = None, incident_id
        self.refresh()

    def refresh(self) -> None:
        now = time.time()
        if self._pushed is not None:
            title, lines = self._pushed
            self.heading.setText(title)
            self.body.setText("\n".join(lines))
            return
        incident = self._feed.state.incidents.get(self._pushed_incident or "")
        label = tr("推送案件")
        if incident is None:
            label = tr("最紧急案件")
            open_cases = [
                i for i in self._feed.state.incidents.values() if standing(i, now).stage != "done"
            ]
            incident = min(open_cases, key=lambda i: standing(i, now).urgency, default=None)
        if incident is None:
            self.heading.setText(tr("态势研判"))
            self.body.setText(tr("当前无待处置案件"))
            return
        self.heading.setText(f"{label} · {incident.id}")
        self.body.setText("\n".join(incident_lines(incident, self._feed, now)))
