# Every target bootstraps .venv by itself: `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run demo test check fmt bench bench-poll bench-pipeline bench-contacts bench-summarize bench-fanout \
	bench-telegram bench-slack bench-search bench-web bench-footprint bench-digest bench-sources \
	bench-attachment-quality bench-grouping bench-catalog-world bench-openapi bench-hostile clean

# Quiet installs: one line per step; pip speaks only when something fails.
PIP := $(BIN)/python -m pip install -q -q --disable-pip-version-check

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "sokbo: creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "sokbo: updating pip in $(VENV)"
	@$(PIP) --upgrade pip
	@echo "sokbo: installing sokbo and its dependencies into $(VENV) (a minute or two the first time)"
	@$(PIP) -e '.[dev]'
	@touch $(STAMP)
	@echo "sokbo: installed"

run: $(STAMP)
	@$(BIN)/sokbo db upgrade
	@$(BIN)/sokbo run

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP)
	$(BIN)/pytest -q

check: $(STAMP)
	$(BIN)/ruff format --check bot tests bench examples
	$(BIN)/ruff check bot tests bench examples
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format bot tests bench examples
	$(BIN)/ruff check --fix bot tests bench examples

bench: bench-poll bench-pipeline bench-contacts bench-summarize bench-fanout bench-telegram \
	bench-slack bench-search bench-web bench-footprint bench-digest bench-grouping bench-openapi \
	bench-hostile bench-sources bench-attachment-quality bench-catalog-world

bench-hostile: $(STAMP)
	$(BIN)/python bench/hostile.py

bench-grouping: $(STAMP)
	$(BIN)/python bench/grouping.py

# POLL_FEEDS: the sizes measured; BASELINE=DIR adds DIR/.venv's sokbo in the same runs.
POLL_FEEDS ?= 500 2000
bench-poll: $(STAMP)
	for n in $(POLL_FEEDS); do $(BIN)/python bench/poll.py --feeds $$n \
		$(if $(BASELINE),--baseline-python $(BASELINE)/.venv/bin/python) || exit 1; done

bench-pipeline: $(STAMP)
	$(BIN)/python bench/pipeline.py $(if $(BASELINE),--sokbo-python $(BASELINE)/.venv/bin/python)

bench-contacts: $(STAMP)
	$(BIN)/python bench/contacts.py

bench-summarize: $(STAMP)
	$(BIN)/python bench/summarize.py

bench-fanout: $(STAMP)
	$(BIN)/python bench/fanout.py

bench-telegram: $(STAMP)
	$(BIN)/python bench/telegram.py

bench-slack: $(STAMP)
	$(BIN)/python bench/slack.py

bench-search: $(STAMP)
	$(BIN)/python bench/search.py

bench-digest: $(STAMP)
	$(BIN)/python bench/digest.py $(ARGS)

bench-sources: $(STAMP)
	$(BIN)/python bench/sources.py

bench-catalog-world: $(STAMP)
	$(BIN)/python bench/catalog_world.py

bench-attachment-quality: $(STAMP)
	$(BIN)/python bench/attachment_quality.py

bench-openapi: $(STAMP)
	$(BIN)/python bench/openapi.py

# BASELINE=DIR runs the same measurements with DIR/.venv's sokbo beside main (see bench/footprint.py).
bench-footprint: $(STAMP)
	$(BIN)/python bench/footprint.py $(if $(BASELINE),--baseline $(BASELINE))

bench-web: $(STAMP)
	$(BIN)/python bench/web.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
