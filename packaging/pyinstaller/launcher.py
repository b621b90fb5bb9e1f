"""The desktop bundle's entry point: ``latentcomposer [COMMAND ...]`` as the console script, except that
with no command it does what ``make run`` does -- the window when there is a display, the headless demo
(into ``./out/demo``) when there is none."""

from __future__ import annotations

import sys

from latentcomposer.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["run"]))
