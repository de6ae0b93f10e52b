# Two commands set everything up on a fresh Debian machine:
#   make render   install what is missing, then render the default lesson
#   make test     install what is missing, then run the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup system render lesson test test-fast lint golden bench clean

setup: system $(STAMP)

system:
	@tools/install-system-packages

$(STAMP): requirements.txt tools/system-packages.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

render: setup
	@$(PY) cli.py render --quality low

lesson: setup
	@$(PY) cli.py lesson --quality low --out site

test: setup
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

golden: setup
	$(PY) -m tests.scenes.golden --regenerate

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .qkanim-cache
