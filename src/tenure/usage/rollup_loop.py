"""The background loop that counts new events into the usage rollups, beside the jobs of `tenure serve` and
`tenure worker`. Jobs are scheduled by the minute; usage should show within seconds, so this is a loop of its own.
Every process may run one: passes take turns on the rollup cursor, and a process that finds it taken waits for
its next turn rather than queueing."""

import logging
import threading

from django.db import connection

from tenure.usage.rollups import ROLLUP_PASS_EVENTS, roll_up_pending

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0


class RollupLoop(threading.Thread):
    def __init__(self, interval: float = INTERVAL_SECONDS):
        super().__init__(name="tenure-rollups", daemon=True)
        self.interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                # A full pass means a backlog: keep going rather than wait a second per pass.
                while roll_up_pending(wait=False) >= ROLLUP_PASS_EVENTS and not self._stopping.is_set():
                    pass
            except Exception:
                log.exception("usage rollup pass failed; the next pass retries it")
                connection.close()  # a broken connection is not reused
        connection.close()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.join(timeout)


def start_rollup_loop() -> RollupLoop:
    loop = RollupLoop()
    loop.start()
    return loop
