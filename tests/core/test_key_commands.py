import io

import pytest
from django.core.management import CommandError, call_command

from tenure.usage.models import WriteKey
from tenure.usage.services import authenticate_write_key
from tenure.users.services import user_for_token

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_writekey_create_list_revoke():
    raw = run("writekey", "create", "Web app")
    assert raw.startswith("wk_") and authenticate_write_key(raw).name == "Web app"
    assert "Web app" in run("writekey", "list") and "active" in run("writekey", "list")
    assert "revoked" in run("writekey", "revoke", raw[:10])
    assert authenticate_write_key(raw) is None
    assert WriteKey.objects.get().key_hash == WriteKey.hash(raw) != raw  # only the hash is stored


def test_token_create_acts_as_its_user_until_revoked(csm):
    raw = run("token", "create", "alice", "crm sync")
    assert user_for_token(raw) == csm
    run("token", "revoke", raw[:10])
    assert user_for_token(raw) is None


def test_unknown_user_or_ambiguous_prefix_is_an_error(csm):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        run("token", "create", "nobody", "x")
    run("writekey", "create", "one")
    run("writekey", "create", "two")
    with pytest.raises(CommandError, match="2 write keys start with 'wk_'"):
        run("writekey", "revoke", "wk_")


def test_inactive_users_tokens_stop_working(csm):
    raw = run("token", "create", "alice", "ci")
    csm.is_active = False
    csm.save()
    assert user_for_token(raw) is None
