# NQ — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app

.PHONY: run test bench install install-dev lint migrate messages clean

$(BIN)/.installed: requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

run: install
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-new
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python -m bench.run

# Extract translatable strings (Flask-Babel: _(), _l(), {% trans %}) for translators.
SOURCES := app.py config.py common members groups meetups ratings billing outbox templates
messages: install
	@mkdir -p translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --sort-by-file \
		--project NQ -o translations/messages.pot $(SOURCES)
	@test -f translations/da/LC_MESSAGES/messages.po \
		&& $(BIN)/pybabel update -i translations/messages.pot -d translations \
		|| $(BIN)/pybabel init -i translations/messages.pot -d translations -l da

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy .

clean:
	rm -rf $(VENV) .pytest_cache
