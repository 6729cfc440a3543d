# The two commands of the README: `make run` and `make test`. Everything else is set-up they share.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup install frontend translations i18n-update migrate demo bench lint clean

run: setup migrate demo
	@echo ""
	@echo "Forum: http://$(HOST):$(PORT)/   (organiser area: http://$(HOST):$(PORT)/admin/)"
	FORUM_MAIL_INLINE=$${FORUM_MAIL_INLINE:-1} FORUM_MAIL_PRINT_UNSENT=$${FORUM_MAIL_PRINT_UNSENT:-1} \
		$(FLASK) run --host $(HOST) --port $(PORT)

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

setup: install frontend translations

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Forum needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

frontend: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor/pico
	cp node_modules/@picocss/pico/css/pico.min.css static/vendor/pico/
	# The scanner's BarcodeDetector polyfill (for browsers without the API) and its WebAssembly:
	mkdir -p static/vendor/barcode-detector static/vendor/zxing-wasm
	cp node_modules/barcode-detector/dist/iife/ponyfill.js static/vendor/barcode-detector/
	cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm static/vendor/zxing-wasm/
	touch $@

# Texts are written in Swedish; forum/translations/en holds the English. Compiled .mo files are not in git.
translations: install
	$(VENV)/bin/pybabel compile -d forum/translations -D messages

# For developers: collect new texts into the English catalog (then translate the empty msgstr).
i18n-update: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k ngettext:1,2 -o forum/translations/messages.pot . >/dev/null
	$(VENV)/bin/pybabel update --no-fuzzy-matching -i forum/translations/messages.pot -d forum/translations -l en

migrate: install
	$(FLASK) db upgrade

demo: install
	$(FLASK) demo

bench: setup
	$(PY) -m bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache .ruff_cache
