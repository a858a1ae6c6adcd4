import base64
import gzip
import json

import pytest
from django.test import Client

from tenure.usage.services import create_write_key


@pytest.fixture
def write_key(db):
    return create_write_key("product")[1]


@pytest.fixture
def send(write_key):
    """POST a body to /v1/<endpoint> the way an SDK does: Basic auth with the write key, JSON, maybe gzip."""
    client = Client()

    def _send(endpoint, body, *, key=write_key, gzipped=False, raw=None, headers=None):
        data = raw if raw is not None else json.dumps(body).encode()
        h = dict(headers or {})
        if key is not None:
            h["authorization"] = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
        if gzipped:
            data = gzip.compress(data)
            h["content-encoding"] = "gzip"
        return client.generic("POST", f"/v1/{endpoint}", data, content_type="application/json", headers=h)

    return _send
