# Everything runs in a local virtual environment (.venv), created on first use
# from nothing but Python 3.11+:  make run | make test | make conformance | make bench

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SPEC   := ../shared/spec
CORE_FOLDERS := lexical types expressions control_flow functions print failing

.PHONY: run test conformance bench warm clean-cache

# The venv is a file target: it is rebuilt only when pyproject.toml changes.
# editable_mode=compat installs the checkout as a plain sys.path entry: the
# default mode's import hook costs ~10 ms at every start of Python.
$(BIN)/orus: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $@

warm: $(BIN)/orus
	$(BIN)/orus warm-cache

run: warm
	$(BIN)/orus run examples/hello.orus

test: warm
	$(BIN)/python -m pytest -q

conformance: warm
	$(PYTHON) $(SPEC)/check.py --orus "$(BIN)/orus run" $(addprefix $(SPEC)/examples/,$(CORE_FOLDERS))

bench: warm
	$(BIN)/python -m pytest benchmarks/ --benchmark-only

clean-cache:
	find cache -mindepth 1 ! -name README.md -exec rm -rf {} +
