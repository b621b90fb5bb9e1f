"""The main window's actions, menus and tool bars. Every action has a stable ``objectName``
(``action`` + its key with a capital, e.g. ``actionOpenMidi``) so tests and scripts can find it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar

from latentcomposer.app.editing import SNAP_DIVISIONS

if TYPE_CHECKING:
    from .main_window import MainWindow

Key = QKeySequence.StandardKey


def _keys(*keys: str | QKeySequence.StandardKey) -> list[QKeySequence]:
    out: list[QKeySequence] = []
    for k in keys:
        if isinstance(k, QKeySequence.StandardKey):
            # drop the dedicated media-keyboard keys ("Open", "Cut"...): they only clutter the menus
            out.extend(b for b in QKeySequence.keyBindings(k)
                       if not (b.toString().isalpha() and len(b.toString()) > 1))
        else:
            out.append(QKeySequence(k))
    return list(dict.fromkeys(out))


def create_actions(w: MainWindow) -> dict[str, QAction]:
    acts: dict[str, QAction] = {}
    files, pb, roll = w.files, w.playback_ui, w.roll

    def add(key: str, text: str, slot: Callable[..., object], *keys: str | QKeySequence.StandardKey,
            checkable: bool = False, tip: str = "") -> QAction:
        a = QAction(text, w)
        a.setObjectName("action" + key[0].upper() + key[1:])
        if keys:
            a.setShortcuts(_keys(*keys))
        a.setCheckable(checkable)
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(slot)
        w.addAction(a)  # shortcuts work even when the menu bar is hidden
        acts[key] = a
        return a

    # File
    add("new", "&New", files.new, Key.New)
    add("openMidi", "&Open MIDI…", lambda: files.open_midi(), Key.Open)
    add("openProject", "Open &Project…", lambda: files.open_project(), "Ctrl+Shift+O")
    add("save", "&Save", files.save, Key.Save)
    add("saveAs", "Save &As…", lambda: files.save_as(), "Ctrl+Shift+S")
    add("exportMidi", "&Export MIDI…", lambda: files.export_midi(False), "Ctrl+E",
        tip="Export the current clip as a MIDI file")
    add("exportAllMidi", "Export All Clips as MIDI…", lambda: files.export_midi(True),
        tip="Export every clip as one multi-track MIDI file")
    add("exportWav", "Export &WAV…", lambda: files.export_wav(), "Ctrl+Shift+E",
        tip="Render the current clip to a WAV file")
    add("learnStyle", "&Learn My Style…", w.learn_style,
        tip="Personalize a model on a folder of your MIDI files (or the project's clips)")
    add("quit", "&Quit", w.close, Key.Quit)
    # Edit
    add("undo", "&Undo", w.session.undo, "Ctrl+Z")
    add("redo", "&Redo", w.session.redo, "Ctrl+Shift+Z", "Ctrl+Y")
    add("cut", "Cu&t", w.cut, Key.Cut)
    add("copy", "&Copy", w.copy, Key.Copy)
    add("paste", "&Paste", w.paste, Key.Paste)
    add("selectAll", "Select &All", w.session.select_all, Key.SelectAll)
    add("delete", "&Delete", w.delete, "Delete", "Backspace")
    add("duplicate", "D&uplicate", w.duplicate, "Ctrl+D")
    add("quantize", "&Quantize", w.quantize, "Q", tip="Snap the selected notes (or all) to the grid")
    add("transpose", "&Transpose…", w.transpose_dialog, "Ctrl+T")
    add("toolSelect", "Select tool", lambda: roll.set_tool("select"), "S", checkable=True,
        tip="Select: click, rubber band, drag to move, drag the end to resize (S)")
    add("toolDraw", "Draw tool", lambda: roll.set_tool("draw"), "D", checkable=True,
        tip="Draw: click-drag to create notes (D)")
    add("toolErase", "Erase tool", lambda: roll.set_tool("erase"), "E", checkable=True,
        tip="Erase: click or sweep over notes to delete them (E)")
    tools = QActionGroup(w)
    for k in ("toolSelect", "toolDraw", "toolErase"):
        tools.addAction(acts[k])
    # View
    add("zoomIn", "Zoom &In", roll.zoom_in, "Ctrl++", "Ctrl+=", "+", "=")
    add("zoomOut", "Zoom &Out", roll.zoom_out, "Ctrl+-", "-")
    add("zoomFit", "Zoom to &Fit", roll.zoom_fit, "Ctrl+0")
    add("follow", "&Follow Playhead", lambda on: setattr(roll, "follow_playhead", on), checkable=True)
    acts["follow"].setChecked(True)
    add("resetLayout", "&Reset Layout", w.reset_layout)
    # Playback
    add("play", "Play", pb.toggle_play, "Space", checkable=True, tip="Play / pause (Space)")
    add("stop", "Stop", pb.stop, "Shift+Space", tip="Stop and go back to the start (Shift+Space)")
    add("rewind", "To Start", pb.rewind, "Home", tip="Playhead to the start (Home)")
    add("loop", "Loop", pb.toggle_loop, "L", checkable=True,
        tip="Loop the region dragged in the ruler (or the whole clip) (L)")
    add("metronome", "Metronome", pb.set_metronome, "M", checkable=True, tip="Click on every beat (M)")
    add("soundfont", "Choose &SoundFont…", pb.choose_soundfont)
    # Help
    add("shortcuts", "&Keyboard Shortcuts", w.show_shortcuts, Key.HelpContents, "Ctrl+/")
    add("about", "&About latentcomposer", w.show_about)
    return acts


def create_menus(w: MainWindow) -> None:
    a = w.action_map
    bar = w.menuBar()
    m = bar.addMenu("&File")
    m.setObjectName("menuFile")
    m.addActions([a["new"], a["openMidi"], a["openProject"]])
    w.recent_menu = m.addMenu("Open &Recent")
    w.recent_menu.setObjectName("menuRecent")
    m.addSeparator()
    m.addActions([a["save"], a["saveAs"]])
    m.addSeparator()
    m.addActions([a["exportMidi"], a["exportAllMidi"], a["exportWav"]])
    m.addSeparator()
    m.addAction(a["learnStyle"])
    m.addSeparator()
    m.addAction(a["quit"])

    m = bar.addMenu("&Edit")
    m.setObjectName("menuEdit")
    m.addActions([a["undo"], a["redo"]])
    m.addSeparator()
    m.addActions([a["cut"], a["copy"], a["paste"], a["selectAll"], a["delete"], a["duplicate"]])
    m.addSeparator()
    m.addActions([a["quantize"], a["transpose"]])
    m.addSeparator()
    m.addActions([a["toolSelect"], a["toolDraw"], a["toolErase"]])

    m = bar.addMenu("&View")
    m.setObjectName("menuView")
    m.addActions([a["zoomIn"], a["zoomOut"], a["zoomFit"], a["follow"]])
    m.addSeparator()
    panels = m.addMenu("&Panels")
    panels.setObjectName("menuPanels")
    for dock in w.docks.values():
        panels.addAction(dock.toggleViewAction())
    for tb in (w.transport, w.tools_bar):
        panels.addAction(tb.toggleViewAction())
    m.addAction(a["resetLayout"])

    m = bar.addMenu("&Playback")
    m.setObjectName("menuPlayback")
    m.addActions([a["play"], a["stop"], a["rewind"], a["loop"], a["metronome"]])
    m.addSeparator()
    out = m.addMenu("&Output")
    out.setObjectName("menuOutput")
    group = QActionGroup(w)
    for kind, text in (("fluidsynth", "FluidSynth"), ("none", "None (silent)")):
        act = QAction(text, w)
        act.setObjectName(f"output_{kind}")
        act.setCheckable(True)
        act.triggered.connect(lambda _=False, k=kind: w.playback_ui.choose_output(k))
        group.addAction(act)
        w.output_actions[kind] = act
    out.addAction(w.output_actions["fluidsynth"])
    ports = out.addMenu("&MIDI Port")
    ports.setObjectName("menuMidiPorts")
    ports.aboutToShow.connect(lambda: w.playback_ui.fill_ports_menu(ports))
    out.addAction(w.output_actions["none"])
    m.addAction(a["soundfont"])

    m = bar.addMenu("&Help")
    m.setObjectName("menuHelp")
    m.addActions([a["shortcuts"], a["about"]])


def create_tool_bar(w: MainWindow) -> QToolBar:
    a = w.action_map
    tb = QToolBar("Editing tools", w)
    tb.setObjectName("rollTools")
    tb.addActions([a["toolSelect"], a["toolDraw"], a["toolErase"]])
    tb.addSeparator()
    tb.addWidget(QLabel(" Snap ", tb))
    combo = QComboBox(tb)
    combo.setObjectName("snapCombo")
    combo.addItems(list(SNAP_DIVISIONS))
    combo.setToolTip("Grid for drawing, moving and resizing notes (Alt while dragging: no snap)")
    combo.currentTextChanged.connect(w.set_snap)
    tb.addWidget(combo)
    w.snap_combo = combo
    tb.addSeparator()
    tb.addActions([a["quantize"], a["duplicate"]])
    return tb
