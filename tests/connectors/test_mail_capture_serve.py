"""`tenure serve` with its SMTP listener (TENURE_SMTP_PORT): a real SMTP client's BCC becomes a touch, a community
reply address is routed to the community, and the listener stops with the server."""

import os
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.connectors.test_mail_capture import sent_mail

pytestmark = pytest.mark.own_processes

SETUP = """
from tenure.accounts.services import create_account, create_contact
from tenure.connectors import mail_capture
from tenure.users.services import create_user
alice = create_user("alice", password="not-used-here-1", role="csm", email="alice@vendor.example")
create_contact(account=create_account(name="Initech", domain="initech.example"), name="Peter",
               email="peter@initech.example")
print(mail_capture.address_of(alice))
"""
CHECK = """
from tenure.engagement.models import Touch
t = Touch.objects.get()
print(t.account.name, t.kind, t.author.username, sorted(t.contacts.values_list("email", flat=True)))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tenure(env, *args) -> str:
    done = subprocess.run([sys.executable, "-m", "tenure", *args], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.parametrize("processes", [1, 2], ids=["waitress", "gunicorn"])
def test_tenure_serve_listens_for_mail_and_a_bcc_becomes_a_touch(tmp_path, processes):
    port, smtp_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TENURE_", "DATABASE_URL"))}
    env.update(TENURE_DATA_DIR=str(tmp_path), TENURE_SMTP_PORT=str(smtp_port),
               TENURE_MAIL_CAPTURE_DOMAIN="capture.tenure.example")
    proc = subprocess.Popen([sys.executable, "-m", "tenure", "serve", "--port", str(port), "--no-jobs",
                             "--processes", str(processes)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.3)
        address = _tenure(env, "shell", "-c", SETUP).strip().splitlines()[-1]
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            client.send_message(sent_mail("Peter <peter@initech.example>, Samir <samir@initech.example>",
                                          sender="alice@vendor.example"), to_addrs=[address])
            with pytest.raises(smtplib.SMTPDataError) as community:
                client.sendmail("peter@initech.example", ["reply+1.1.1.00000000000000000000@capture.example"],
                                b"From: peter@initech.example\r\nSubject: x\r\n\r\nHello")
            assert community.value.smtp_code == 550 and b"not valid" in community.value.smtp_error
        assert _tenure(env, "shell", "-c", CHECK).strip().splitlines()[-1] == (
            "Initech email alice ['peter@initech.example', 'samir@initech.example']")
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert f"Receiving mail by SMTP on 127.0.0.1:{smtp_port}" in out and "Tenure stopped." in out
    with pytest.raises(OSError):  # the listener stopped with the server
        smtplib.SMTP("127.0.0.1", smtp_port, timeout=5)
