"""A real Stripe-compatible server for the tests and the bench: localstripe, from the package registry, in a
process of its own on a free port. Two changes to its storage, none to what it answers: the store stays in memory
(localstripe pickles its whole store to one shared /tmp file on every write, so two test runs would see each
other's data), and its lists read an index by object type instead of scanning every stored object (the same
objects in the same order; without it a 10,000-customer book takes hours to build)."""

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request

RUN = """
import sys
import localstripe.resources as r


class IndexedStore(r.Store):
    def __setitem__(self, key, value):
        dict.__setitem__(self, key, value)
        self.by_type.setdefault(key.split(":", 1)[0], {})[key] = value

    def __delitem__(self, key):
        dict.__delitem__(self, key)
        self.by_type.get(key.split(":", 1)[0], {}).pop(key, None)

    def clear(self):
        dict.clear(self)
        self.by_type.clear()

    def dump_to_disk(self):
        pass


def list_all(cls, url, limit=None, starting_after=None, **kwargs):
    if kwargs:
        raise r.UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
    li = r.List(url, limit=limit, starting_after=starting_after)
    li._list = list(r.store.by_type.get(cls.object, {}).values())
    return li


r.store.__class__ = IndexedStore
r.store.by_type = {}
r.StripeObject._api_list_all = classmethod(list_all)
from localstripe.server import start
sys.argv = ["localstripe", "--port", sys.argv[1], "--from-scratch"]
start()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running():
    """Start localstripe; yields its base URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", RUN, str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/v1/customers", timeout=1)
            except urllib.error.HTTPError:
                break  # it answers (401 without a key): up
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("localstripe did not start")
        yield url
    finally:
        process.terminate()
        process.wait(10)


def flush(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/_config/data", method="DELETE"), timeout=10)
