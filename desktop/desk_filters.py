"""The desk queue's filters: by team, source and 1-3-15 stage, and "only mine", with a
count of the open cases they hide (a filter that hides an overdue case must say so)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from backend_client.protocol.messages import Incident, Team
from backend_client.state import FeedState
from backend_client.stories.desk import case_teams
from backend_client.vocabulary import SOURCES, STAGES
from widgets.queue import QueueFilter
from widgets.sla import Standing
from widgets.text import translate
from widgets.vocabulary import source_label, stage_label

#: The stages a desk filters on: the three clocks of 1-3-15 (finished cases are not queued).
FILTER_STAGES = ("accept", "move", "handle")
#: How many of "my" cases are remembered: a shift's worth and more, never a growing list.
MY_CASES_KEPT = 500


class MyCases:
    """The cases this desk's user took on or dispatched (as the hub confirmed), remembered
    per user across restarts.

    The case state on the wire carries no actor (only ``case.history`` does, one request
    per case), so the desk keeps its own confirmed orders: what "only mine" shows.
    """

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings
        self.user = ""
        self.ids: set[str] = set()
        self._order: list[str] = []

    def sign_in(self, user: str) -> None:
        """Read ``user``'s cases (the name the hub's auth file gives the desk's token)."""
        if user == self.user:
            return
        self.user = user
        saved = self._settings.value(self._key(), [])
        # QSettings gives a lone value as a str and none at all as an empty list or None.
        if isinstance(saved, str):
            self._order = [saved]
        elif isinstance(saved, list):
            self._order = [str(c) for c in saved]
        else:
            self._order = []
        self.ids = set(self._order)

    def add(self, case_id: str) -> None:
        if case_id in self.ids:
            return
        self.ids.add(case_id)
        self._order.append(case_id)
        if len(self._order) > MY_CASES_KEPT:
            gone, self._order = self._order[:-MY_CASES_KEPT], self._order[-MY_CASES_KEPT:]
            self.ids.difference_update(gone)
        self._settings.setValue(self._key(), self._order)
        self._settings.sync()

    def _key(self) -> str:
        return f"mine/{self.user or '-'}"


class QueueFilterBar(QWidget):
    """Team, source and stage choices over the queue ("" = any), "only mine", and the
    hidden count; ``changed`` carries the filter to hand to
    :meth:`widgets.queue.IncidentQueueModel.set_filter`."""

    changed = Signal(object)  # QueueFilter | None

    def __init__(self, state: FeedState, mine: MyCases, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DeskFilters")
        self._state = state
        self.mine = mine
        #: The team patrolling each undispatched case's place, found once per case: the
        #: queue refilters every second and a case does not move.
        self._zone: dict[str, set[str]] = {}
        self.team = QComboBox()
        self.team.setObjectName("FilterTeam")
        self.team.addItem(translate("desk", "全部中队"), "")
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
        # A choice like the others beside it (and styled like them), not a check box.
        self.scope = QComboBox()
        self.scope.setObjectName("FilterMine")
        self.scope.addItem(translate("desk", "全部案件"), "")
        self.scope.addItem(translate("desk", "只看我的"), "mine")
        self.scope.setToolTip(translate("desk", "只看我的：本席位受理或派遣过的案件"))
        self.hidden = QLabel("")
        self.hidden.setObjectName("FilterHidden")
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.team)
        box.addWidget(self.source)
        box.addWidget(self.stage)
        box.addWidget(self.scope)
        box.addWidget(self.hidden, 1)
        for combo in (self.team, self.source, self.stage, self.scope):
            combo.currentIndexChanged.connect(self._emit)

    def set_teams(self, teams: Iterable[Team]) -> None:
        """List the hub's teams (on each snapshot), keeping the one chosen if still there."""
        chosen = str(self.team.currentData())
        self.team.blockSignals(True)
        self.team.clear()
        self.team.addItem(translate("desk", "全部中队"), "")
        for team in sorted(teams, key=lambda t: (t.kind != "township", t.id)):
            self.team.addItem(team.name, team.id)
        self.team.setCurrentIndex(max(0, self.team.findData(chosen)))
        self.team.blockSignals(False)
        if str(self.team.currentData()) != chosen:
            self._emit()

    @property
    def only_mine(self) -> bool:
        return bool(self.scope.currentData() == "mine")

    def set_only_mine(self, on: bool) -> None:
        self.scope.setCurrentIndex(self.scope.findData("mine" if on else ""))

    def teams_of(self, incident: Incident) -> set[str]:
        if incident.units:
            return case_teams(self._state, incident)
        zone = self._zone.get(incident.id)
        if zone is None:
            zone = case_teams(self._state, incident)
            if zone:  # no officer placed yet: ask again next time
                self._zone[incident.id] = zone
        return zone

    def keep(self) -> QueueFilter | None:
        team, source = str(self.team.currentData()), str(self.source.currentData())
        stage, mine = str(self.stage.currentData()), self.only_mine
        if not (team or source or stage or mine):
            return None

        def keep(incident: Incident, where: Standing) -> bool:
            return (
                (not source or incident.source == source)
                and (not stage or where.stage == stage)
                and (not mine or incident.id in self.mine.ids)
                and (not team or team in self.teams_of(incident))
            )

        return keep

    def show_hidden(self, count: int) -> None:
        self.hidden.setText(translate("desk", "已筛除 {n} 件").format(n=count) if count else "")

    def _emit(self, *_args: object) -> None:
        self.changed.emit(self.keep())
