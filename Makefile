# Two commands from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-slow data clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Editable install with the dev extras; redone when the package metadata changes.
# Byte-compiling the dependencies once matters where PYTHONDONTWRITEBYTECODE is set
# (imports of scipy/scikit-learn otherwise recompile on every start: seconds each).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q -j 0 $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') > /dev/null || true
	touch $(STAMP)

# Real data sets that scikit-learn ships, exported to CSV for the specs in specs/.
data: $(STAMP)
	$(BIN)/python specs/export_sklearn_data.py specs/data

demo: data
	@for spec in examples/*/*.tml specs/*.tml; do \
		echo "== tinyc build $$spec"; \
		$(BIN)/tinyc build $$spec -o build/$$(basename $$spec .tml) || exit 1; \
	done
	@if command -v chromium >/dev/null 2>&1; then \
		mkdir -p build/screenshots; \
		for d in build/*/report.html; do \
			name=$$(basename $$(dirname $$d)); \
			chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-sync \
				--no-first-run --user-data-dir=build/screenshots/.profile --window-size=1200,4000 \
				--screenshot=build/screenshots/$$name.png file://$$PWD/$$d >/dev/null 2>&1 || true; \
		done; \
		rm -rf build/screenshots/.profile; \
		echo "screenshots of the reports: build/screenshots/"; \
	fi
	@echo "demo done: outputs under build/ (open build/segments/report.html); tinyc is .venv/bin/tinyc, or run: . .venv/bin/activate"

# The suite runs on every core (pytest-xdist, at most 4 workers); the few tests bounded by
# wall-clock time (marked serial) run alone afterwards, so other tests' load cannot skew them.
test: data
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile -m "not serial and not slow"
	$(BIN)/python -m pytest -q -m "serial and not slow"

# The long tests `make test` leaves out (marked slow): a calibration from scratch, the RISC-V signal
# example, the pruning and distillation measurements
test-slow: data
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile -m "slow and not serial"

clean:
	rm -rf build dist specs/data .pytest_cache

# Benchmarks against emlearn and m2cgen (needs the Arm toolchain and qemu); writes benchmarks/RESULTS.md
# and benchmarks/QUANTIZATION.md (int8 against float32)
bench: data
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/quantization.py
	$(BIN)/python benchmarks/anomaly.py
	$(BIN)/python benchmarks/activity.py
