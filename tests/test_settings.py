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
