import contextlib
import os
import shutil

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client

from tenure.users.models import Role
from tests.factories import make_user

CHROMIUM = "/usr/bin/chromium"

# A connection per request in tests: a live server's request threads end with their kept connections still open,
# and the test database could not be dropped at the end of the run.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
# A fast hash for the tests' passwords: the real one (PBKDF2, a million rounds) costs a quarter of a second per user
# on purpose, and the suite makes a user or two in most tests. The processes tests start keep the real one.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_inline():
    """Jobs run where they are enqueued, in the test's transaction (the Redis worker tests start real workers)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


def pytest_collection_modifyitems(config, items):
    """Tests that start tenure processes of their own (on their own SQLite files or settings) test the same thing
    whatever the pass's database: the PostgreSQL pass leaves them to the SQLite pass."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="starts its own processes, whatever the database: the SQLite pass runs it")
    for item in items:
        if item.get_closest_marker("own_processes"):
            item.add_marker(skip)


@pytest.fixture
def csm(db):
    return make_user(Role.CSM, username="alice", first_name="Alice", last_name="Archer")


@pytest.fixture
def leader(db):
    return make_user(Role.LEADER, username="lena")


@pytest.fixture
def reader(db):
    return make_user(Role.READ_ONLY, username="rita")


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def csm_client(csm):
    return _logged_in(csm)


@pytest.fixture
def reader_client(reader):
    return _logged_in(reader)


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests, but Chromium is not installed (apt-get install chromium)")
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    return path


@pytest.fixture
def browser_page(chromium_path):
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=args)
        page = browser.new_page(viewport={"width": 1366, "height": 850})
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback (aiosmtpd), with Django's email settings pointed at it.
    Yields the list of received envelopes."""
    import socket

    from aiosmtpd.controller import Controller

    from tenure.settings import email_settings

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in email_settings(f"smtp://127.0.0.1:{port}").items():
        setattr(settings, key, value)
    settings.TENURE_BASE_URL = "http://testserver"
    yield received
    controller.stop()



@contextlib.contextmanager
def rows_for_a_module(django_db_blocker):
    """Rows built once for a whole test module (a demo takes seconds to build; a dozen tests read it): they are
    committed outside the tests' transactions, each test still runs in its own transaction over them, and when the
    module ends every row added since is deleted again, table by table, so the next module starts as it would
    have."""
    from django.apps import apps
    from django.db import connection, models

    with django_db_blocker.unblock():
        tables = [m for m in apps.get_models() if isinstance(m._meta.pk, models.AutoField | models.BigAutoField)
                  and not m._meta.proxy and m._meta.managed]
        before = {m: m._base_manager.aggregate(top=models.Max("pk"))["top"] or 0 for m in tables}
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            from tenure.demo.services import wipe

            wipe()  # the big tables first, by the demo's own fast path
            for _ in range(3):  # a row may wait for a row of another table that refers to it
                left = 0
                for model, top in before.items():
                    try:
                        with transaction.atomic():
                            model._base_manager.filter(pk__gt=top).delete()
                    except IntegrityError:
                        left += 1
                if not left:
                    break
            connection.close()


@pytest.fixture
def inbound_smtp():
    """The inbound server `tenure community inbound-smtp` runs (the same handler), on a free loopback port: replies
    to community notifications sent to it by email are posted in their threads."""
    import socket

    from aiosmtpd.controller import Controller

    from tenure.community import inbound

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbound.SMTPHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()
