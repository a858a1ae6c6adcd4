"""A real Stripe-compatible server for the tests and the bench: localstripe, from the package registry, in a
process of its own on a free port. Its store is kept in memory only: localstripe pickles its whole store to one
shared /tmp file on every write, which makes a 10,000-customer book quadratic and lets two test runs see each
other's data; nothing else about it is changed."""

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request

RUN = """
import sys
import localstripe.resources
localstripe.resources.Store.dump_to_disk = lambda self: None
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
