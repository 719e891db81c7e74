"""Production settings refuse insecure configuration and pass Django's deployment checks."""

import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from urllib.request import urlopen

from django.conf import settings

from tests.servers import copy_sqlite, free_port

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "p7Qz!x2@Lr9#Vb4$Nk8%Wd3^Hs6&Jt1*Mf5(Gy0)Cq-Ae_Ru+Zo=Xi~Pl|Sn;Tv",
    "DJANGO_ALLOWED_HOSTS": "naltrexone.example",
    "DJANGO_SITE_URL": "https://naltrexone.example",
}


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", env={**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_refuses_to_start_without_its_public_address():
    result = run_manage("check", env={**PRODUCTION, "DJANGO_SITE_URL": ""})
    assert result.returncode != 0
    assert "DJANGO_SITE_URL" in result.stderr


def test_a_malformed_editorial_address_is_refused():
    result = run_manage("check", env={"DJANGO_EDITORIAL_EMAIL": "editors at example"})
    assert result.returncode != 0
    assert "DJANGO_EDITORIAL_EMAIL" in result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_admin_session_lasts_a_working_day_unless_configured():
    assert settings.SESSION_COOKIE_AGE == 9 * 60 * 60
    script = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    result = run_manage("shell", "-c", script, env={"DJANGO_SESSION_HOURS": "2"})
    assert result.stdout.strip().splitlines()[-1] == str(2 * 60 * 60), result.stderr


def test_make_run_serves_on_the_port_asked_and_the_sites_links_follow_it():
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", "PORT=8001"],
        cwd=settings.BASE_DIR,
        env={key: value for key, value in os.environ.items() if key != "DJANGO_SITE_URL"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert 'DJANGO_SITE_URL="${DJANGO_SITE_URL:-http://127.0.0.1:8001}"' in result.stdout
    assert "manage.py runserver 127.0.0.1:8001" in result.stdout
    assert "manage.py db_worker" in result.stdout  # the background worker runs beside it


def readme() -> str:
    return (settings.BASE_DIR / "README.md").read_text()


def test_the_readme_documents_every_variable_the_settings_and_gunicorn_read():
    sources = [
        settings.BASE_DIR / "naltrexone_site" / "settings.py",
        settings.BASE_DIR / "naltrexone_site" / "gunicorn.conf.py",
    ]
    read = {
        name
        for source in sources
        for name in re.findall(r'"((?:DJANGO|GUNICORN)_[A-Z_]+|DATABASE_URL)"', source.read_text())
    }
    assert len(read) > 20
    documented = set(re.findall(r"`((?:DJANGO|GUNICORN)_[A-Z_]+|DATABASE_URL)`", readme()))
    assert sorted(read - documented) == []


def production_blocks() -> tuple[list[str], list[str]]:
    """The README's two production code blocks, as lines: behind TLS, and over plain HTTP."""
    section = readme().split("### Production", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 2, "the production section has its two command blocks"
    return [block.strip().splitlines() for block in blocks]


def test_the_readmes_production_commands_run_as_written_and_serve(tmp_path, migrated_sqlite_file):
    """The commands of the README's production section, over plain HTTP as it says for a test:
    the database, the secret, the address and the static folder are this test's own. The
    database starts migrated (as after an earlier release), so ``migrate`` has nothing to do."""
    copy_sqlite(migrated_sqlite_file, tmp_path / "production.sqlite3")
    behind_tls, plain_http = production_blocks()
    port = free_port()
    own = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "DJANGO_SECRET_KEY": PRODUCTION["DJANGO_SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SITE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "GUNICORN_WORKERS": "1",
    }
    exports = [line for line in behind_tls + plain_http if line.startswith("export ")]
    commands = [line for line in behind_tls if not line.startswith("export ")]
    serve = plain_http[-1].replace("10.0.0.5:8000", f"127.0.0.1:{port}")
    assert commands[-1].endswith(serve.split(" ", 1)[1])  # the same server, on another address
    ours = [f"export {name}={shlex.quote(value)}" for name, value in own.items()]
    # exec: the server is this process, so that stopping it stops the server.
    script = "\n".join(["set -e", *exports, *ours, *commands[:-1], f"exec env {serve}"])
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    # A session of its own: the background worker the commands start stops with the server.
    server = subprocess.Popen(
        ["bash", "-c", script], cwd=settings.BASE_DIR, env=env, start_new_session=True
    )
    try:
        response = wait_for(f"http://127.0.0.1:{port}/", server)
        assert response.status == 200
        assert b"Naltrexone" in response.read()
        assert "gunicorn" not in response.headers.get("Server", "")
        assert response.headers["Permissions-Policy"]
        assert response.headers["Strict-Transport-Security"] is None  # HSTS off over plain HTTP
        css = urlopen(f"http://127.0.0.1:{port}/static/css/site.css", timeout=10)
        assert css.status == 200  # collected, and served by whitenoise
        assert css.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        # The worker runs: it has done the periodic work that schedule_tasks queued.
        assert wait_for_task(tmp_path / "production.sqlite3", "uses.tasks.cull_expired")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def wait_for_task(database: Path, task_path: str, seconds: int = 60) -> bool:
    """Whether a worker ran ``task_path`` successfully within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(database)) as connection:
            done = connection.execute(
                "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
                "WHERE task_path = ? AND status = 'SUCCESSFUL'",
                [task_path],
            ).fetchone()[0]
        if done:
            return True
        time.sleep(0.5)
    return False


def wait_for(url: str, server: subprocess.Popen, seconds: int = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the production commands stopped"
        try:
            return urlopen(url, timeout=5)
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer")


def test_an_sqlite_database_keeps_a_write_ahead_log_and_syncs_every_commit(tmp_path):
    """A commit syncs one file once, not a rollback journal and then the database (on SQLite an
    approval's two commits took a third of its time), and readers never wait for a writer;
    every commit still reaches the disk before it returns."""
    show = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    for pragma in ('journal_mode', 'synchronous'):\n"
        "        cursor.execute(f'PRAGMA {pragma}')\n"
        "        print(pragma, cursor.fetchone()[0])\n"
    )
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    result = run_manage("shell", "-v", "0", "-c", show, env={"DATABASE_URL": database})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["journal_mode", "wal", "synchronous", "2"]  # 2: FULL
