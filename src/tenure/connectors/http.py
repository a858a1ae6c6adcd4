"""The JSON-over-HTTPS client the CRM and helpdesk sources share: retries with back-off on rate limits (429,
honouring Retry-After), server errors and dropped connections; every other failure as a SourceError in words."""

from __future__ import annotations

import time

import requests

from tenure.connectors.sync import SourceError

RETRIES = 4
TIMEOUT = 30


class JsonApi:
    def __init__(self, name: str, base: str, *, headers: dict | None = None, auth=None, pause: float = 1.0):
        self.name = name
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", **(headers or {})})
        self.session.auth = auth
        self.pause = pause  # the first back-off, doubled each retry

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base}{path}"

    def call(self, method: str, path: str, *, params=None, json=None) -> dict:
        delay = self.pause
        for attempt in range(RETRIES + 1):
            try:
                response = self.session.request(method, self.url(path), params=params, json=json, timeout=TIMEOUT)
            except requests.RequestException as exc:
                if attempt == RETRIES:
                    raise SourceError(f"{self.name} could not be reached: {exc}") from None
                time.sleep(delay)
                delay *= 2
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt == RETRIES:
                    raise SourceError(f"{self.name} answered {response.status_code} {_said(response)} "
                                      f"{RETRIES + 1} times; the next run resumes") from None
                retry_after = response.headers.get("Retry-After", "")
                time.sleep(min(float(retry_after), 60) if retry_after.replace(".", "", 1).isdigit() else delay)
                delay *= 2
                continue
            if response.status_code in (401, 403):
                raise SourceError(f"{self.name} refused the credentials ({response.status_code}): {_said(response)}")
            if response.status_code >= 400:
                raise SourceError(f"{self.name} answered {method} {path} with {response.status_code}: "
                                  f"{_said(response)}")
            if not response.content:
                return {}
            try:
                return response.json()
            except ValueError:
                raise SourceError(f"{self.name} answered {path} with something that is not JSON") from None
        raise AssertionError("unreachable")

    def get(self, path: str, **params) -> dict:
        return self.call("GET", path, params=params or None)

    def post(self, path: str, body: dict) -> dict:
        return self.call("POST", path, json=body)


def _said(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body.get("description") or body)[:200]
    return str(body)[:200]
