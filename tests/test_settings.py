"""Production settings refuse insecure configuration and pass Django's deployment checks."""

import os
import subprocess
import sys

from django.conf import settings

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


def test_models_and_migrations_agree():
    result = run_manage("makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stdout + result.stderr


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
