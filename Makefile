# Both targets create and reuse a local virtual environment (.venv) by themselves.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test bench clean

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

bench: $(STAMP)
	$(PY) bench/increment.py

clean:
	rm -rf $(VENV) runs .pytest_cache
