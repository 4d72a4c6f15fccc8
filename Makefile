# Both targets create and reuse a local virtual environment (.venv) by themselves.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m tiangong.orbit.propagate  # compiles the propagator's numba cache (~15 s, once)
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/tiangong run shenzhou-14 --out runs/shenzhou-14

test: $(STAMP)
	$(PY) -m pytest

# Coverage-guided fuzzing of the parsers (atheris) for FUZZ_S seconds; a crash fails the target and
# leaves crash-* in .fuzz/ (keep it in tests/fuzz_regressions/).  The corpus persists in .fuzz/corpus.
FUZZ_S ?= 120
# A fixed seed and run count make the CI fuzz run reproducible (the same inputs on the same code);
# set FUZZ_SEED=0 for a random campaign.
FUZZ_SEED ?= 1
FUZZ_RUNS ?= 40000
fuzz: $(STAMP)
	$(PY) -m pip install --quiet -e '.[fuzz]'
	mkdir -p .fuzz/corpus
	$(PY) fuzz/make_seeds.py .fuzz/seeds
	$(PY) fuzz/fuzz_parsers.py -seed=$(FUZZ_SEED) -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_S) -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix=.fuzz/ .fuzz/corpus .fuzz/seeds > .fuzz/last.log 2>&1; rc=$$?; \
		grep -E "DONE|^Done|ERROR|Uncaught|SUMMARY|Test unit written" .fuzz/last.log; exit $$rc

bench: $(STAMP)
	$(PY) bench/increment.py

clean:
	rm -rf $(VENV) runs .pytest_cache .fuzz
