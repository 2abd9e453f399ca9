# tunebook — everyday commands. Each target sets up what it needs first.
#   make demo                       the main job on the embedded tiny model (CPU, ~1 min)
#   make test                       install from scratch (if needed) and run every test
#   make train RECIPE=support-tone  compile, validate, lint, then train with Axolotl
#   make plan|lint|explain RECIPE=support-tone

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
RECIPE ?= support-tone
ARGS   ?=
CORE_STAMP  := $(VENV)/.core-stamp
TRAIN_STAMP := $(VENV)/.train-stamp
export HF_HUB_OFFLINE ?= 1
export AXOLOTL_DO_NOT_TRACK ?= 1
export DO_NOT_TRACK ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: setup setup-core test test-unit test-integration lint-code demo train plan lint explain \
        validate compile bench bench-lint bench-plan docs axolotl-fields clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Core + dev tools: seconds. No torch.
$(CORE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Training stack: torch (CPU build on disk here) first, so pip never pulls a CUDA build.
$(TRAIN_STAMP): pyproject.toml $(CORE_STAMP)
	$(BIN)/pip install -q 'torch==2.13.0'
	$(BIN)/pip install -q -e '.[train,dev]'
	touch $@

setup-core: $(CORE_STAMP)
setup: $(TRAIN_STAMP)

test: setup
	$(BIN)/ruff check cli plugins tests
	$(BIN)/python -m pytest -q tests

test-unit: setup-core
	$(BIN)/python -m pytest -q tests/unit

test-integration: setup
	$(BIN)/python -m pytest -q tests/integration

lint-code: setup-core
	$(BIN)/ruff check cli plugins tests
	$(BIN)/ruff format --check cli plugins tests

demo: setup
	$(BIN)/tunebook train demo $(ARGS)

train: setup
	$(BIN)/tunebook train $(RECIPE) $(ARGS)

validate: setup
	$(BIN)/tunebook validate $(RECIPE) $(ARGS)

compile: setup-core
	$(BIN)/tunebook compile $(RECIPE) $(ARGS)

plan: setup-core
	$(BIN)/tunebook plan $(RECIPE) $(ARGS)

lint: setup-core
	$(BIN)/tunebook lint $(RECIPE) $(ARGS)

explain: setup-core
	$(BIN)/tunebook explain $(RECIPE) $(ARGS)

# Regenerate the generated docs (recipe reference, presets catalog, lint rules).
docs: setup-core
	$(BIN)/python -m tunebook.docgen

# Snapshot Axolotl's config fields from the installed Axolotl (shipped per version).
axolotl-fields: setup
	$(BIN)/python -m tunebook.axolotl_fields --write

bench: bench-plan bench-lint

bench-plan: setup-core
	$(BIN)/python benchmarks/bench_plan.py

bench-lint: setup
	$(BIN)/python benchmarks/bench_lint.py --sizes 100000 1000000

clean:
	rm -rf runs .pytest_cache .ruff_cache
