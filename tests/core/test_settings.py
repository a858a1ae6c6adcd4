import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.own_processes


def _start(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENURE_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tenure.settings'; "
         "django.setup(); print('started')"],
        env=env, capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_the_development_secret_key(tmp_path):
    result = _start({"TENURE_ENV": "production", "TENURE_DEBUG": "false", "TENURE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "TENURE_SECRET_KEY" in result.stderr


def test_production_refuses_debug(tmp_path):
    result = _start({"TENURE_ENV": "production", "TENURE_SECRET_KEY": "s3cret-" * 8, "TENURE_DEBUG": "true",
                     "TENURE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "TENURE_DEBUG" in result.stderr


def test_production_starts_with_a_real_key_and_debug_off(tmp_path):
    result = _start({"TENURE_ENV": "production", "TENURE_SECRET_KEY": "s3cret-" * 8, "TENURE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_a_malformed_boolean_is_named(tmp_path):
    result = _start({"TENURE_DEBUG": "maybe", "TENURE_DATA_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "TENURE_DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.parametrize("name", ["TENURE_SECRET_KEY"])
def test_secrets_can_come_from_files(tmp_path, name):
    secret = tmp_path / "key"
    secret.write_text("from-a-file-" * 5 + "\n")
    env = {"TENURE_ENV": "production", f"{name}_FILE": str(secret), "TENURE_DATA_DIR": str(tmp_path)}
    assert _start(env).returncode == 0


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    # a deployment's environment: none of the development settings, nor the async override the browser tests set
    base = {k: v for k, v in os.environ.items() if not k.startswith("TENURE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run([sys.executable, "-m", "tenure.cli", "check", "--deploy"], capture_output=True, text=True,
                          env={**base, **env}, timeout=120)


def test_the_deploy_check_passes_in_production_and_names_a_missing_key_without_a_traceback(tmp_path):
    clean = _check_deploy({"TENURE_ENV": "production", "TENURE_SECRET_KEY": "s3cret-" * 8,
                           "TENURE_DATA_DIR": str(tmp_path)})
    assert clean.returncode == 0 and "no issues" in clean.stdout, clean.stdout + clean.stderr
    missing = _check_deploy({"TENURE_ENV": "production", "TENURE_DATA_DIR": str(tmp_path)})
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "TENURE_SECRET_KEY" in missing.stderr
