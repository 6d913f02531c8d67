# make run   — set up (.venv, pinned requirements, the helpers package, a Jupyter kernel) and run the series (seed profile)
# make check — lint and every test not marked slow: about a minute, for a developer between edits
# make test  — the same set-up, then lint and the whole test suite, slow tests included (CI runs this)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= seed
# pytest workers for check and test (pytest-xdist): each takes whole test files, the slowest first (tests/conftest.py)
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

.PHONY: setup run refresh smoke check test lint format lab offline-model bench bench-epoch clean-runs

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt requirements-cluster.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --user --name imdb-sentiment --display-name "Python (imdb-sentiment)" >/dev/null
	touch $(STAMP)

run: setup                      ## the whole series with PROFILE (default: seed) into runs/$(PROFILE)/ (the reference stays untouched)
	$(PY) -m helpers.run --profile $(PROFILE)

smoke: setup                    ## the whole series on tiny data and a tiny model, in a few minutes
	$(PY) -m helpers.run --profile smoke

check: setup lint               ## lint and the tests not marked slow (no notebook, server or cluster started)
	$(PYTEST) -m "not slow" --durations=10

test: setup lint                ## lint, unit tests, the smoke run of every notebook, the JupyterLab browser test
	$(PYTEST) --durations=20

lint: setup
	$(PY) -m ruff check src tests notebooks
	$(PY) -m ruff format --check src tests notebooks
	$(VENV)/bin/actionlint .github/workflows/ci.yml

format: setup
	$(PY) -m ruff check --fix src tests notebooks
	$(PY) -m ruff format src tests notebooks

lab: setup                      ## JupyterLab on the notebooks, with the project's environment
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

refresh: setup                  ## re-make the committed reference (notebooks/, figures/, results/) with PROFILE
	$(PY) -m helpers.run --profile $(PROFILE) --refresh

clean-runs:
	rm -rf runs

offline-model: setup            ## build the offline stand-in (MiniLM-L6 fine-tuned on SST-2) once, into models/
	$(PY) -m helpers.standin

bench: setup                    ## speed benchmark (quick: minutes on 2 cores); MODE=thorough: more reviews and steps, the recipe check
	$(PY) -m helpers.bench --mode $(or $(MODE),quick)

bench-epoch: setup              ## one epoch of the full profile's fine-tuning, DistilBERT's architecture (for a GPU)
	$(PY) -m helpers.bench --model distilbert-random --epoch-reviews 22500 --train-max-length 512 \
		--train-batch-size 32 --train-steps 0 --n 64 --skip-pipeline --output results/benchmarks/epoch-distilbert-random.json
