# Two commands on a fresh clone:  make gate   and   make test
# HELM=3 or HELM=4 picks a pinned helm; unset, gate uses helm from PATH when it
# is 3.14 or newer and installs the pinned Helm 4 into .tools/ otherwise.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HELM   ?=
STAMP  := $(VENV)/.installed
LINTERS := $(VENV)/.lint-tools

.PHONY: gate golden test bench bench-tools fuzz tools tools-all clean

gate: $(STAMP)
	@helm_bin="$$($(PYTHON) scripts/install_helm.py $(or $(HELM),auto))" && \
	  GATE_HELM="$$helm_bin" $(BIN)/gate check

golden: $(STAMP)
	@helm_bin="$$($(PYTHON) scripts/install_helm.py $(or $(HELM),auto))" && \
	  GATE_HELM="$$helm_bin" $(BIN)/gate golden update

test: $(STAMP) $(LINTERS) tools-all
	$(BIN)/ruff check gate tests scripts bench action
	$(BIN)/mypy
	$(BIN)/python scripts/lint_actions.py
	$(BIN)/pytest -q -n auto --ignore=tests/test_signals.py
	# Signals sent to gate and to the test process itself: alone, not beside a worker.
	$(BIN)/pytest -q -p no:xdist tests/test_signals.py

bench: $(STAMP) tools-all bench-tools
	$(BIN)/python bench/run.py

# checkov, the tool bench/vs_checkov.py compares gate with: an exact version in a virtual
# environment of its own, for make bench only (never make test). When it cannot be
# installed, this says so and make bench goes on without its rows.
CHECKOV_VERSION := 3.3.30
CHECKOV := .tools/checkov
bench-tools:
	@test -f $(CHECKOV)/.installed-$(CHECKOV_VERSION) || { \
	  echo "installing checkov $(CHECKOV_VERSION) into $(CHECKOV)/ (once)" >&2; \
	  rm -rf $(CHECKOV) && $(PYTHON) -m venv $(CHECKOV) && \
	  $(CHECKOV)/bin/python -m pip install -qq --disable-pip-version-check \
	    'checkov==$(CHECKOV_VERSION)' && touch $(CHECKOV)/.installed-$(CHECKOV_VERSION); } || { \
	  echo "make bench-tools: checkov $(CHECKOV_VERSION) could not be installed into" \
	    "$(CHECKOV)/: make bench skips the checkov rows" >&2; rm -rf $(CHECKOV); }

# The fuzz tests run a few hundred fixed-seed examples in `make test`; this is the long run.
FUZZ_EXAMPLES ?= 10000
fuzz: $(STAMP)
	GATE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider \
	  tests/test_yaml_fuzz.py tests/checks/policies/test_fuzz.py \
	  tests/checks/policies/test_paths.py::test_same_matches_as_jsonpath_ng

tools:
	@$(PYTHON) scripts/install_helm.py $(or $(HELM),4)

tools-all:
	@$(PYTHON) scripts/install_helm.py 3 >/dev/null
	@$(PYTHON) scripts/install_helm.py 4 >/dev/null
	@$(PYTHON) scripts/install_registry.py >/dev/null

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# The distribution was called `gate` before it got its PyPI name; drop a stale copy.
	$(BIN)/python -m pip uninstall --quiet --yes gate 2>/dev/null || true
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# The GitHub Actions linters: wheels that carry their binaries, pinned by sha256.
$(LINTERS): scripts/lint-tools.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
	  --require-hashes -r scripts/lint-tools.txt
	touch $@

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
