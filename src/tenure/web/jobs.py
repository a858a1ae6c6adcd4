"""Running background jobs inside the web process, for the embedded (one-process) mode."""

import logging

from huey.consumer import Consumer

log = logging.getLogger(__name__)


class InProcessConsumer(Consumer):
    """A huey consumer that leaves signal handling to the web server it runs beside."""

    def _set_signal_handlers(self):
        pass


def start_jobs(huey, workers: int) -> InProcessConsumer:
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.__class__ = InProcessConsumer
    consumer.start()
    return consumer
