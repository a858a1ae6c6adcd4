"""/healthz, what a load balancer asks each web process: 200 when it reaches its database and its job queue, 503
naming what it cannot reach, and never a redirect, even in production where every other page redirects plain
HTTP to HTTPS. Each case starts Django in a process of its own with a deployment's environment."""

import json
import os
import subprocess
import sys

PROBE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "tenure.settings"
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")  # a health check over plain HTTP, without X-Forwarded-Proto
answers = {}
for path in ("/healthz", "/health/", "/accounts/"):
    r = client.get(path)
    answers[path] = [r.status_code, r.content.decode() if path == "/healthz" else ""]
print(json.dumps(answers))
"""


def _probe(tmp_path, **env_overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENURE_", "DATABASE_URL"))}
    env.update(TENURE_ENV="production", TENURE_SECRET_KEY="s3cret-" * 8, TENURE_DATA_DIR=str(tmp_path),
               TENURE_ALLOWED_HOSTS="127.0.0.1", **env_overrides)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return {path: (status, json.loads(body) if body else None)
            for path, (status, body) in json.loads(done.stdout.splitlines()[-1]).items()}


def test_a_plain_http_health_check_gets_an_answer_not_the_https_redirect(tmp_path):
    answers = _probe(tmp_path)
    assert answers["/healthz"] == (200, {"status": "ok", "database": "ok", "queue": "ok"})
    assert answers["/health/"][0] == 200
    assert answers["/accounts/"][0] == 301  # everything else still goes to HTTPS


def test_an_unreachable_queue_is_named_with_503(tmp_path):
    status, body = _probe(tmp_path, TENURE_QUEUE_URL="redis://127.0.0.1:9/0")["/healthz"]
    assert status == 503
    assert body["database"] == "ok" and body["queue"].startswith("unreachable")


def test_an_unreachable_database_is_named_with_503(tmp_path):
    status, body = _probe(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:9/tenure")["/healthz"]
    assert status == 503
    assert body["database"].startswith("unreachable") and body["queue"] == "ok"
