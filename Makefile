# Marquee: the two commands of the README.
#   make run   install what is missing, build release, serve with ./data
#   make test  install what the tests need, run every test
SHELL := /bin/bash
SWIFT ?= swift
DATA_DIR ?= ./data
HTTP ?= 0.0.0.0:8080
VENV := .build-venv

# Debian packages: the system libraries Marquee links (pkg-config names in Package.swift).
RUN_PACKAGES := pkg-config libsqlite3-dev libssl-dev libsrtp2-dev
# Tests also need: sqlite3 (backup script), python3 + venv (JSON Schema validation of events),
# chromium (browser interop) and janus (the forwarding benchmark's peer server, whose harness a
# test runs against both servers).
TEST_PACKAGES := $(RUN_PACKAGES) sqlite3 python3 python3-venv python3-pip chromium janus

.PHONY: run build test deps test-deps python-deps bench clean

run: deps build
	MARQUEE_DATA_DIR=$${MARQUEE_DATA_DIR:-$(DATA_DIR)} .build/release/marquee serve --http "$${MARQUEE_HTTP:-$(HTTP)}"

build:
	$(SWIFT) build -c release --product marquee

test: test-deps python-deps
	MARQUEE_PYTHON=$(CURDIR)/$(VENV)/bin/python3 $(SWIFT) test 2>&1 | tee .build-test.log; \
	status=$${PIPESTATUS[0]}; \
	if [ $$status -ne 0 ]; then \
		echo "=== what failed (from .build-test.log) ==="; \
		grep -E -A3 'recorded an issue|error:|Fatal error|✘ Test [^r]' .build-test.log | grep -v -E '^(✔|◇)' | tail -80; \
		grep -E '^✘ Test run|^Test Suite .* (failed|passed)|Executed [0-9]+ tests' .build-test.log | tail -3; \
	fi; exit $$status

deps:
	@./Deploy/install-packages.sh $(RUN_PACKAGES)

test-deps:
	@./Deploy/install-packages.sh $(TEST_PACKAGES)

# A virtualenv keeps PyPI packages away from Debian's Python (PEP 668).
python-deps:
	@test -x $(VENV)/bin/python3 || python3 -m venv $(VENV)
	@$(VENV)/bin/python3 -c 'import jsonschema, rfc3339_validator, openapi_spec_validator, yaml, aiortc, aioice, playwright, standardwebhooks' 2>/dev/null || \
		$(VENV)/bin/pip install --quiet --disable-pip-version-check 'jsonschema>=4.18' rfc3339-validator 'openapi-spec-validator>=0.7' PyYAML 'aiortc>=1.9' playwright standardwebhooks

bench:
	$(SWIFT) build -c release --product marquee
	./Benchmarks/run.sh

clean:
	rm -rf .build $(VENV)
