"""Running background jobs inside the web process, for the embedded (one-process) mode."""

import logging

from huey.consumer import Consumer

from tenure.usage.rollup_loop import start_rollup_loop

log = logging.getLogger(__name__)


class InProcessConsumer(Consumer):
    """A huey consumer that leaves signal handling to the web server it runs beside."""

    def _set_signal_handlers(self):
        pass


def start_jobs(huey, workers: int) -> InProcessConsumer:
    """The jobs consumer and the usage rollup loop, in threads of this process; stop both with ``stop_jobs``."""
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.__class__ = InProcessConsumer
    consumer.start()
    consumer.rollups = start_rollup_loop()
    return consumer


def stop_jobs(consumer: InProcessConsumer) -> None:
    consumer.stop(graceful=True)
    consumer.rollups.stop()
