"""The pinned situation slot: what an operator pushed, else the most urgent open case."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from backend_client.protocol.messages import Incident, WallPush
from backend_client.qt import QtFeed
from backend_client.stories import Source
from widgets.drilldown import CaseDrilldown
from widgets.drilldown.formatting import category_text
from widgets.drillopen import Drilldown, addressed, make_drilldown
from widgets.sla import standing
from widgets.text import QT_TRANSLATE_NOOP, duration_text, translate
from widgets.vocabulary import source_label, stage_label, status_label


def incident_lines(incident: Incident, feed: QtFeed, now: float) -> list[str]:
    where = standing(incident, now)
    units = [feed.state.units[u].name for u in incident.units if u in feed.state.units]
    if where.stage == "done":
        met = where.state == "met"
        clock = (
            translate("situation", "1-3-15 达标") if met else translate("situation", "1-3-15 超时")
        )
    else:
        # The stage's name is the queue's word for it: one label table per stage.
        stage = stage_label(where.stage)
        if where.left < 0:
            clock = translate("situation", "{stage}已超时 {t}").format(
                stage=stage, t=duration_text(where.left)
            )
        else:
            clock = translate("situation", "{stage}剩余 {t}").format(
                stage=stage, t=duration_text(where.left)
            )
    source = source_label(incident.source)
    status = status_label(incident.status)
    who = "、".join(units) if units else translate("situation", "未派遣")
    lines = [
        f"{category_text(incident.category)} · {source}",
        incident.address or "",
        clock,
        translate("situation", "状态：{s}").format(s=status),
        translate("situation", "处置警员：{names}").format(names=who),
    ]
    if incident.text:
        lines.append(incident.text[:80])
    return [line for line in lines if line]


PUSH_KIND_TEXT = {
    "incident": QT_TRANSLATE_NOOP("situation", "案件"),
    "merchant": QT_TRANSLATE_NOOP("situation", "商户"),
    "officer": QT_TRANSLATE_NOOP("situation", "警员"),
}


class SituationPanel(QWidget):
    """The pinned slot: what an operator pushed, else the most urgent open case.

    ``wall.push`` events addressed to this wall (by its token's name, or to every wall)
    replace the body with the pushed drill-down (read through ``requests``, so it stays
    readable from the cache while the hub is away); a ``clear`` push returns to following
    the most urgent case. ``push()`` pins plain lines (used by tests and local callers).
    """

    def __init__(
        self,
        feed: QtFeed,
        *,
        title: str = "态势研判",
        requests: Source | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SituationPanel")
        self._feed = feed
        self._requests = requests
        #: The drill-down an operator pushed, shown instead of the body.
        self.drilldown: Drilldown | None = None
        self.last_push: WallPush | None = None
        self._pushed: tuple[str, list[str]] | None = None
        self._pushed_incident: str | None = None
        self.heading = QLabel(translate("situation", title))
        self.heading.setObjectName("SituationHeading")
        self.body = QLabel()
        self.body.setObjectName("SituationBody")
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 8, 16, 8)
        box.addWidget(self.heading)
        box.addWidget(self.body, 1)
        self._box = box
        feed.wallPushed.connect(self.on_push)
        feed.incidentChanged.connect(self._on_incident)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def push(self, title: str, lines: list[str]) -> None:
        self._drop_drilldown()
        self._pushed, self._pushed_incident = (title, lines), None
        self.refresh()

    def push_incident(self, incident_id: str) -> None:
        self._drop_drilldown()
        self._pushed, self._pushed_incident = None, incident_id
        self.refresh()

    def clear_push(self) -> None:
        self._drop_drilldown()
        self._pushed, self._pushed_incident = None, None
        self.refresh()

    def on_push(self, push: WallPush) -> None:
        if not addressed(push, self._feed.client.name) or push.kind == "view":
            return  # a view push moves the wall's maps, not this slot
        self.last_push = push
        if push.kind == "clear":
            self.clear_push()
            return
        panel = (
            make_drilldown(push.kind, push.id, self._feed, self._requests)
            if self._requests is not None
            else None
        )
        if panel is None:
            # No request channel (or a kind without a panel): the live summary still
            # tells the room what the operator meant for incidents.
            if push.kind == "incident":
                self.push_incident(push.id)
            return
        self._drop_drilldown()
        self._pushed, self._pushed_incident = None, None
        # On the wall it is already pushed, and nobody is there to click a link.
        panel.push_button.hide()
        self.drilldown = panel
        self.body.hide()
        self._box.addWidget(panel, 1)
        self.heading.setText(
            translate("situation", "推送{kind} · {id} · {by}").format(
                kind=translate("situation", PUSH_KIND_TEXT.get(push.kind, push.kind)),
                id=push.id,
                by=push.by,
            )
        )
        panel.start()

    def _drop_drilldown(self) -> None:
        if self.drilldown is not None:
            self._box.removeWidget(self.drilldown)
            self.drilldown.deleteLater()
            self.drilldown = None
            self.body.show()

    def _on_incident(self, incident: Incident, _is_new: bool) -> None:
        # A step taken on the pushed case: the room should see it without a new push.
        panel = self.drilldown
        if isinstance(panel, CaseDrilldown) and panel.case_id == incident.id:
            panel.start()

    def refresh(self) -> None:
        if self.drilldown is not None:
            return  # the pushed drill-down keeps itself current
        now = self._feed.now()  # hub time: deadlines are hub timestamps
        if self._pushed is not None:
            title, lines = self._pushed
            self.heading.setText(title)
            self.body.setText("\n".join(lines))
            return
        incident = self._feed.state.incidents.get(self._pushed_incident or "")
        label = translate("situation", "推送案件")
        if incident is None:
            label = translate("situation", "最紧急案件")
            # A merged duplicate (parent_id) is its parent's work, never "the most urgent".
            open_cases = [
                i
                for i in self._feed.state.incidents.values()
                if standing(i, now).stage != "done" and i.parent_id is None
            ]
            incident = min(open_cases, key=lambda i: standing(i, now).urgency, default=None)
        if incident is None:
            self.heading.setText(translate("situation", "态势研判"))
            self.body.setText(translate("situation", "当前无待处置案件"))
            return
        self.heading.setText(f"{label} · {incident.id}")
        self.body.setText("\n".join(incident_lines(incident, self._feed, now)))
