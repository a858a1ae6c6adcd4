"""`tenure community inbound-smtp` as it runs: a process that listens, takes mail only for reply addresses, refuses
a forged one with the reason, and stops cleanly on SIGTERM."""

import os
import smtplib
import socket
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.own_processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_inbound_smtp_command_listens_refuses_with_why_and_stops_cleanly(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENURE_", "DATABASE_URL"))}
    env["TENURE_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "tenure", "community", "inbound-smtp", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        client = None
        for _ in range(200):
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.3)
        assert client is not None, "the server never answered"
        with client:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("a@example.com", ["postmaster@example.com"], b"Subject: x\r\n\r\nx")
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail("a@example.com", ["reply+1.1.1.00000000000000000000@example.com"],
                                b"From: a@example.com\r\nSubject: x\r\n\r\nHello")
            assert refused.value.smtp_code == 550 and b"not valid" in refused.value.smtp_error
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert f"on 127.0.0.1:{port}" in out and "Stopped." in out
