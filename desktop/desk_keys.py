"""The desk's keyboard: one action per thing an operator does in a shift, and the F1
overlay that lists them.

The actions live on the window (``Qt.WindowShortcut``), so they work wherever the focus is
in the desk; none repeats while its key is held, so a held Ctrl+D is one dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from widgets.text import QT_TRANSLATE_NOOP, translate


@dataclass(frozen=True)
class Shortcut:
    """One desk action: its name (for tests and the code), keys, and what it says (the
    Chinese source, translated at display time in the ``desk_keys`` context)."""

    name: str
    keys: tuple[str, ...]
    text: str


#: Every desk shortcut, in the order the help overlay lists them.
SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("queue", ("F6",), QT_TRANSLATE_NOOP("desk_keys", "回到案件队列（↑↓ 选择案件）")),
    Shortcut("previous", ("Alt+Up",), QT_TRANSLATE_NOOP("desk_keys", "上一个案件")),
    Shortcut("next_row", ("Alt+Down",), QT_TRANSLATE_NOOP("desk_keys", "下一个案件")),
    Shortcut("accept", ("Ctrl+Return", "Ctrl+Enter"), QT_TRANSLATE_NOOP("desk_keys", "受理")),
    Shortcut("dispatch", ("Ctrl+D",), QT_TRANSLATE_NOOP("desk_keys", "派遣所选警员")),
    Shortcut(
        "steps",
        ("Ctrl+K",),
        QT_TRANSLATE_NOOP("desk_keys", "办理：核实、核查、结案、返工、督办、挂账、作废、回访"),
    ),
    Shortcut("next_urgent", ("Ctrl+N",), QT_TRANSLATE_NOOP("desk_keys", "下一个紧急案件")),
    Shortcut(
        "search", ("Ctrl+F",), QT_TRANSLATE_NOOP("desk_keys", "查找：案件编号、地址或警员姓名")
    ),
    Shortcut("push", ("Ctrl+P",), QT_TRANSLATE_NOOP("desk_keys", "推送到大屏")),
    Shortcut("help", ("F1",), QT_TRANSLATE_NOOP("desk_keys", "显示或隐藏快捷键帮助")),
    Shortcut("close_help", ("Esc",), QT_TRANSLATE_NOOP("desk_keys", "关闭帮助")),
)


def install_shortcuts(
    window: QMainWindow, handlers: dict[str, Callable[[], object]]
) -> dict[str, QAction]:
    """One non-repeating window action per :data:`SHORTCUTS` entry that has a handler."""
    actions: dict[str, QAction] = {}
    for shortcut in SHORTCUTS:
        handler = handlers.get(shortcut.name)
        if handler is None:
            continue
        action = QAction(translate("desk_keys", shortcut.text), window)
        action.setObjectName(f"desk-{shortcut.name}")
        action.setShortcuts([QKeySequence(k) for k in shortcut.keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        # A held key sends auto-repeat presses: one press, one order.
        action.setAutoRepeat(False)
        action.triggered.connect(lambda _=False, h=handler: h())
        window.addAction(action)
        actions[shortcut.name] = action
    return actions


class HelpOverlay(QFrame):
    """The shortcuts over the desk (F1 shows and hides it, Esc hides it); it follows its
    parent's size so it stays centred when the window is resized."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("DeskHelp")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self)
        title = QLabel(translate("desk_keys", "快捷键"))
        title.setObjectName("DeskHelpTitle")
        box.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        for row, shortcut in enumerate(SHORTCUTS):
            keys = " / ".join(
                QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                for k in shortcut.keys
            )
            key_label = QLabel(keys)
            key_label.setObjectName("DeskHelpKey")
            grid.addWidget(key_label, row, 0)
            grid.addWidget(QLabel(translate("desk_keys", shortcut.text)), row, 1)
        box.addLayout(grid)
        self.hide()
        parent.installEventFilter(self)

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self._place()
            self.show()
            self.raise_()

    def lines(self) -> list[str]:
        """What the overlay lists, one "keys: action" line per shortcut (for tests)."""
        return [" / ".join(s.keys) + ": " + translate("desk_keys", s.text) for s in SHORTCUTS]

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        self.adjustSize()
        size = self.sizeHint()
        self.setGeometry(
            (parent.width() - size.width()) // 2,
            (parent.height() - size.height()) // 2,
            size.width(),
            size.height(),
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
