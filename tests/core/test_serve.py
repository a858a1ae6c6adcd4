import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.own_processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _wait_until_up(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    status = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            status, _ = _get(f"http://127.0.0.1:{port}/health/")
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    assert status == 200, proc.stdout.read() if proc.poll() is not None else "no answer"


def test_serve_migrates_an_empty_data_dir_and_answers(tmp_path):
    """`tenure serve` on a fresh machine: no database yet, no servers; it must come up by itself."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENURE_", "DATABASE_URL"))}
    env["TENURE_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tenure", "serve", "--port", str(port)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_until_up(port, proc)
        assert (tmp_path / "tenure.sqlite3").exists()
        assert _get(f"http://127.0.0.1:{port}/api/accounts")[0] == 401
        login_status, login_page = _get(f"http://127.0.0.1:{port}/login/")
        assert login_status == 200 and "Log in" in login_page
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "Tenure stopped." in out


@pytest.mark.parametrize("processes", [1, 2], ids=["waitress", "gunicorn"])
def test_behind_a_tls_proxy_pages_answer_rather_than_redirect_forever(tmp_path, processes):
    """In production behind a TLS-terminating proxy, a request the proxy marks `X-Forwarded-Proto: https` is served;
    only one without it is redirected to HTTPS. (waitress drops proxy headers it was not told to trust.)"""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENURE_", "DATABASE_URL"))}
    env.update(TENURE_DATA_DIR=str(tmp_path), TENURE_ENV="production", TENURE_SECRET_KEY="s3cret-" * 8,
               TENURE_BEHIND_TLS_PROXY="true")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tenure", "serve", "--port", str(port), "--processes", str(processes), "--no-jobs"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_until_up(port, proc)
        proxied = urllib.request.Request(f"http://127.0.0.1:{port}/login/", headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(proxied, timeout=10) as r:
            assert r.status == 200 and "Log in" in r.read().decode()
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        plain.request("GET", "/login/")
        answer = plain.getresponse()
        assert answer.status == 301 and answer.getheader("Location") == f"https://127.0.0.1:{port}/login/"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
