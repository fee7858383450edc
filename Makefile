# Two commands on a fresh machine:  `make demo` (the main job) and `make test`.
# Both create .venv and install everything, torch pinned to the local CPU wheel.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
# Benchmarks measure with glibc's mmap threshold off (see docs/perf.md).
BENCH_ENV := MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000

.PHONY: install demo test test-slow perf clean

$(STAMP): pyproject.toml Makefile
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e ".[all]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BENCH_ENV) $(VENV)/bin/nonlin bench

# `make test` leaves out tests marked slow (multi-node Ray cluster); `make test-slow` runs only those.
test: install
	$(PY) -m pytest -n 2 -q

test-slow: install
	$(PY) -m pytest -m slow -q

# One representative unit of each layer kind (every unit: nonlin perf --kind layers; see docs/perf.md).
PERF_LAYERS := pau polyrelu swiglu kan_bspline elm_v2 lif cfc

perf: install
	$(BENCH_ENV) $(VENV)/bin/nonlin perf
	$(BENCH_ENV) $(VENV)/bin/nonlin perf $(PERF_LAYERS)

clean:
	rm -rf $(VENV) runs.db nonlin-report
