"""The desk queue's filters: by source and by 1-3-15 stage, with a count of the open
cases they hide (a filter that hides an overdue case must say so)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from backend_client.protocol.messages import Incident
from backend_client.vocabulary import SOURCES, STAGES
from widgets.queue import QueueFilter
from widgets.sla import Standing
from widgets.text import translate
from widgets.vocabulary import source_label, stage_label

#: The stages a desk filters on: the three clocks of 1-3-15 (finished cases are not queued).
FILTER_STAGES = ("accept", "move", "handle")


class QueueFilterBar(QWidget):
    """Two choices over the queue ("" = any) and the hidden count; ``changed`` carries the
    filter to hand to :meth:`widgets.queue.IncidentQueueModel.set_filter`."""

    changed = Signal(object)  # QueueFilter | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeskFilters")
        self.source = QComboBox()
        self.source.setObjectName("FilterSource")
        self.source.addItem(translate("desk", "全部来源"), "")
        for code in SOURCES:
            self.source.addItem(source_label(code), code)
        self.stage = QComboBox()
        self.stage.setObjectName("FilterStage")
        self.stage.addItem(translate("desk", "全部环节"), "")
        for code in FILTER_STAGES:
            if code in STAGES:
                self.stage.addItem(stage_label(code), code)
        self.hidden = QLabel("")
        self.hidden.setObjectName("FilterHidden")
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.source)
        box.addWidget(self.stage)
        box.addWidget(self.hidden, 1)
        self.source.currentIndexChanged.connect(self._emit)
        self.stage.currentIndexChanged.connect(self._emit)

    def keep(self) -> QueueFilter | None:
        source, stage = str(self.source.currentData()), str(self.stage.currentData())
        if not source and not stage:
            return None

        def keep(incident: Incident, where: Standing) -> bool:
            return (not source or incident.source == source) and (not stage or where.stage == stage)

        return keep

    def show_hidden(self, count: int) -> None:
        self.hidden.setText(translate("desk", "已筛除 {n} 件").format(n=count) if count else "")

    def _emit(self, _index: int) -> None:
        self.changed.emit(self.keep())
