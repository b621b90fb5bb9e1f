"""The key of the current clip in the transport bar ("Key: A minor", objectName ``keyButton``).

It shows the key detected from the clip's notes (Temperley's key profiles; an empty clip's from its chord
lane) or the one the composer set;
its menu sets another key (undoable, saved with the project), goes back to the detected one, and
switches the key lock: "Keep generated notes in the key" moves the out-of-key notes of every melody
the model generates (previews, Sample, interpolation) a semitone into the key. That is a post-process
on the decoded notes, not something the model knows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from latentcomposer.app.harmony import KEY_LOCK, key_of
from latentcomposer.app.session import Session
from latentcomposer.core.harmony import MAJOR_KEY_NAMES, MINOR_KEY_NAMES, Key


class KeyButton(QToolButton):
    def __init__(self, session: Session, set_lock: Callable[[bool], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._set_lock = set_lock
        self.setObjectName("keyButton")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.menu_.setObjectName("keyMenu")
        self.setMenu(self.menu_)
        self.menu_.aboutToShow.connect(self.fill)
        self.lock_action = QAction("Keep generated notes in the key", self)
        self.lock_action.setObjectName("keyLockAction")
        self.lock_action.setCheckable(True)
        self.lock_action.setToolTip("Notes a model generates outside the key move a semitone into it "
                                    "(a clean-up after decoding; the model itself does not know the key)")
        self.lock_action.toggled.connect(self._lock_toggled)
        self._unlisten = unlisten = session.listen(self._on_session)
        self.destroyed.connect(lambda *_: unlisten())  # a session that outlives the button stops calling it
        self.refresh()

    @property
    def locked(self) -> bool:
        return bool(self.session.latent.extra.get(KEY_LOCK))

    def refresh(self) -> None:
        info = key_of(self.session.current)
        self.setText(info.text + (" · locked" if self.locked and info.key is not None else ""))
        how = "set by you" if info.set else "detected from the clip's notes"
        self.setToolTip(f"{info.text} ({how}). Click to set the key or keep generated notes in it"
                        if info.key is not None else f"{info.text}. Click to set the key")

    def fill(self) -> None:
        m = self.menu_
        m.clear()
        item = self.session.current
        info = key_of(item)
        auto = m.addAction("Use the detected key")
        auto.setEnabled(item.key is not None)
        auto.triggered.connect(lambda: self.session.set_key(None))
        for mode, names in (("major", MAJOR_KEY_NAMES), ("minor", MINOR_KEY_NAMES)):
            sub = m.addMenu(f"{mode.capitalize()} keys")
            for tonic, name in enumerate(names):
                key = Key(tonic, mode)  # type: ignore[arg-type]
                act = sub.addAction(f"{name} {mode}")
                act.setCheckable(True)
                act.setChecked(info.key == key)
                act.triggered.connect(lambda _=False, k=key: self.session.set_key(k))
        m.addSeparator()
        self.lock_action.blockSignals(True)
        self.lock_action.setChecked(self.locked)
        self.lock_action.blockSignals(False)
        m.addAction(self.lock_action)

    def set_locked(self, on: bool) -> None:
        self._set_lock(bool(on))
        self.refresh()

    def _lock_toggled(self, on: bool) -> None:
        self.set_locked(on)

    def _on_session(self, kinds: frozenset[str]) -> None:
        if kinds & {"clip", "current", "reset", "chords", "latent"}:
            self.refresh()

    def close_listening(self) -> None:
        self._unlisten()
