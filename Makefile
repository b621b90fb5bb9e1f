# latentcomposer — the two commands are `make run` and `make test`; both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-stamp
TORCH_VERSION := 2.13.0
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# pip's own chatter (mirror locations it skips, setuptools deprecation notes) hides real errors
PIP_QUIET := grep -v -e "is ignored: it is neither" -e "BuildBackendWarning" -e "^  *!!" -e "^  *\*\*\*" -e "^ *$$" -e "Please be careful" -e "name as your package" -e "with strategy" || true

# Debian packages the app needs at run time: FluidSynth (+ the small timgm6mb GM soundfont it
# recommends), the xcb/xkb libraries Qt needs for a real window, and Xvfb for screenshot scripts.
APT_PACKAGES := libfluidsynth3 timgm6mb-soundfont libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
	libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 \
	libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3

.PHONY: setup run test lint bench clean demo package wheel-check

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@bash scripts/install_system_deps.sh $(APT_PACKAGES)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip 2>&1 | $(PIP_QUIET); test $${PIPESTATUS[0]} -eq 0
	@$(PY) -c "import torch" 2>/dev/null || { $(PY) -m pip install -q "torch==$(TORCH_VERSION)" 2>&1 | $(PIP_QUIET); test $${PIPESTATUS[0]} -eq 0; }
	@$(PY) -m pip install -q -e ".[dev]" 2>&1 | $(PIP_QUIET); test $${PIPESTATUS[0]} -eq 0
	@touch $(STAMP)
	@echo "setup: done ($(VENV))"

run: setup
	@$(PY) -m latentcomposer.cli run

demo: setup
	@$(PY) -m latentcomposer.cli demo

test: setup
	@$(VENV)/bin/lint-imports
	@QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: setup
	@$(VENV)/bin/ruff check latentcomposer tests benchmarks
	@$(VENV)/bin/mypy
	@$(VENV)/bin/lint-imports

# the Linux desktop bundle (PyInstaller one-folder + .tar.gz) in build/package, checked from outside the tree
package: setup
	@nice -n 10 $(PY) packaging/build_bundle.py

# build the wheel, install it into a fresh venv, list the models and run the demo from outside the tree
# (in `make test` as tests/packaging when CI is set, which .ci/run does)
wheel-check: setup
	@nice -n 10 $(PY) packaging/check_wheel.py

bench: setup
	@for f in benchmarks/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
