# Two commands set everything up: `make run` serves the site, `make test` runs the suite.
PYTHON ?= python3
# `make run PORT=8001` serves elsewhere; the site's own links (canonical, feed, sitemap, emails)
# follow unless DJANGO_SITE_URL says otherwise.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

# The dependencies named in pyproject.toml (the site is run from this folder, never built).
define READ_REQUIREMENTS
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
endef
export READ_REQUIREMENTS

.PHONY: run test lint bench install clean
.SILENT:

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3"
	$(PY) -c "$$READ_REQUIREMENTS" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -r $(VENV)/requirements.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py load_article --verbosity 0
	$(PY) manage.py demo_accounts --verbosity 0
	$(PY) manage.py schedule_tasks > /dev/null
	echo "Serving http://127.0.0.1:$(PORT)/ (admin at /admin/; stop with Ctrl+C)"
	# The background worker (imports, emails, periodic work) runs beside the server, and stops
	# with it.
	export DJANGO_SITE_URL="$${DJANGO_SITE_URL:-http://127.0.0.1:$(PORT)}"; \
		$(PY) manage.py db_worker --queue-name '*' --interval 0.5 --no-reload & \
		trap "kill $$! 2> /dev/null" EXIT; \
		$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): the
# suite starts many Python processes (a worker per core, servers, commands), and each would
# otherwise compile the project, and pytest rewrite every test module, again.
test: install
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q --numprocesses auto --dist worksteal

lint: install
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/ruff format --check --quiet .
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0

bench: install
	$(PY) manage.py bench

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles *.egg-info
