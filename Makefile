# The two commands: `make up` runs a local cloud, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# libvirt-python compiles against these; the test packages let the tests run real QEMU guests and
# drive the web pages with a real headless Chromium.
BUILD_PACKAGES := libvirt-dev pkg-config
TEST_PACKAGES := qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients chromium

.PHONY: up test lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@pkg-config --exists libvirt 2>/dev/null || bash scripts/debian-packages $(BUILD_PACKAGES)
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		echo "python3-venv is missing; installing it from Debian's packages"; \
		apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

up: $(VENV)/.installed
	$(PY) -m cloudcore.launcher

lint: $(VENV)/.installed
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: lint
	@bash scripts/debian-packages --optional $(TEST_PACKAGES)
	$(PY) -m tests.fixtures.services -- $(PY) -m pytest $(PYTEST_ARGS)

# The benchmarks, full size (minutes, not seconds); each writes its JSON to bench/results/<name>.json.
BENCHMARKS := scheduler boot api load
bench: $(VENV)/.installed
	@mkdir -p bench/results
	@for name in $(BENCHMARKS); do \
		echo "bench/$$name.py -> bench/results/$$name.json"; \
		$(PY) -m tests.fixtures.services -- $(PY) -m bench.$$name > bench/results/$$name.json.tmp \
			&& mv bench/results/$$name.json.tmp bench/results/$$name.json \
			|| { rm -f bench/results/$$name.json.tmp; exit 1; }; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
