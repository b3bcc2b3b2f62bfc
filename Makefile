# Two commands on a fresh machine with Python 3.10+ and make:
#   make demo   create .venv, install plait with every extra, run the demo
#   make test   create .venv the same way, run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench sysdeps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all,test]'
	touch $(STAMP)

# System programs the tests use: Graphviz's `dot` (visualize) and Chromium (profile pages).
sysdeps:
	@command -v dot >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 || \
	  ( $(SUDO) apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends graphviz chromium )

demo: $(STAMP) sysdeps
	$(BIN)/python -m plait.demo

test: $(STAMP) sysdeps
	$(BIN)/python -m pytest -n auto -q

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[all,bench]'
	$(BIN)/python -m benchmarks all

clean:
	rm -rf $(VENV) *.egg-info
