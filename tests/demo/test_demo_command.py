"""`tenure demo`: migrate, (re)build, print the login, serve."""

import pytest
from django.core.management import CommandError, call_command

from tenure.accounts.models import Account
from tenure.demo.management.commands import demo as demo_command
from tenure.demo.models import DemoScenario
from tests.factories import make_account


def test_demo_builds_and_prints_the_login(db, capsys):
    call_command("demo", no_serve=True, no_usage=True, accounts=30, seed=5)
    out = capsys.readouterr().out
    assert Account.objects.count() == 30 == DemoScenario.objects.count()
    assert "demo " in out and "password 'demo'" in out and "CSM" in out


def test_running_demo_again_rebuilds_it(db):
    call_command("demo", no_serve=True, no_usage=True, accounts=30, seed=5)
    call_command("demo", no_serve=True, no_usage=True, accounts=40, seed=6)
    assert Account.objects.count() == 40 == DemoScenario.objects.count()


def test_demo_refuses_to_wipe_data_it_did_not_make(db):
    make_account(name="Real Customer", domain="real.example")
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", no_serve=True, no_usage=True, accounts=30)
    assert list(Account.objects.values_list("name", flat=True)) == ["Real Customer"]


def test_reset_wipes_everything_and_builds(db):
    make_account(name="Real Customer", domain="real.example")
    call_command("demo", no_serve=True, no_usage=True, accounts=30, reset=True)
    assert not Account.objects.filter(name="Real Customer").exists()
    assert Account.objects.count() == 30


def test_demo_then_serves_on_the_port(db, monkeypatch):
    calls = []
    real = demo_command.call_command

    def fake_call_command(name, *args, **kwargs):
        if name == "serve":
            calls.append(kwargs)
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(demo_command, "call_command", fake_call_command)
    monkeypatch.setattr(demo_command, "get_commands", lambda: {"serve": "tenure.web", "migrate": "django"})
    call_command("demo", accounts=30, port=8123, no_usage=True)
    assert calls == [{"port": 8123}]
