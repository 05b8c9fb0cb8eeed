"""A wall window's header: the layout's title, the head counts and the link to the hub."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel

from backend_client.state import FeedState
from backend_client.stories.counters import HeadCount, head_count
from widgets.text import QT_TRANSLATE_NOOP, translate

LINK_TEXT = {
    "live": QT_TRANSLATE_NOOP("header", "实时"),
    "stale": QT_TRANSLATE_NOOP("header", "过期"),
    "offline": QT_TRANSLATE_NOOP("header", "离线"),
    "connecting": QT_TRANSLATE_NOOP("header", "连接中"),
}
#: The titles of the shipped layouts (resources/layouts/) and their screens. A title is
#: data, so lupdate cannot see it where it is shown; listed here, it is translated like
#: any text, and a title of a site's own layout shows as written.
LAYOUT_TITLES = (
    QT_TRANSLATE_NOOP("header", "婺城区综合行政执法指挥平台"),
    QT_TRANSLATE_NOOP("header", "案件 1-3-15"),
    QT_TRANSLATE_NOOP("header", "态势一张图"),
    QT_TRANSLATE_NOOP("header", "效能监督"),
    QT_TRANSLATE_NOOP("header", "驾驶舱"),
    QT_TRANSLATE_NOOP("header", "值班台"),
)


def layout_title(title: str) -> str:
    """A layout's or a screen's title in the UI language (see :data:`LAYOUT_TITLES`)."""
    return translate("header", title)


class WallHeader(QHBoxLayout):
    """Title left; head counts and the link state right. Styled by object name (QSS)."""

    def __init__(self, heading: str) -> None:
        super().__init__()
        self.title = QLabel(heading)
        self.title.setObjectName("WallTitle")
        self.counters = QLabel("")
        self.counters.setObjectName("Counters")
        self.link_state = QLabel(translate("header", LINK_TEXT["connecting"]))
        self.link_state.setObjectName("LinkState")
        self.link_state.setProperty("link", "connecting")
        self.setContentsMargins(8, 4, 8, 4)
        self.addWidget(self.title)
        self.addStretch(1)
        self.addWidget(self.counters)
        self.addWidget(self.link_state)

    def show_link(self, link: str, node: str = "") -> None:
        """The link state; with ``node`` (a wall given several hubs) the hub it is on, so
        a fail-over shows on the wall and not only in the log."""
        text = translate("header", LINK_TEXT.get(link, link))
        self.link_state.setText(f"{text} · {node}" if node else text)
        self.link_state.setProperty("link", link)
        # A dynamic property changed: the style sheet's [link=...] rules apply on re-polish.
        self.link_state.style().unpolish(self.link_state)
        self.link_state.style().polish(self.link_state)

    def show_counts(self, state: FeedState) -> None:
        """Recount from ``state`` (people only: see :mod:`backend_client.stories.counters`)."""
        self.show_count(head_count(state))

    def show_count(self, count: HeadCount) -> None:
        self.counters.setText(
            translate("header", "在岗警力 {units}　在办案件 {cases}").format(
                units=count.on_duty, cases=count.open_cases
            )
        )
