"""Where a resumable import's chunks are stored: at once on the caller's connection, or by a thread of its own
beside the reading of the next chunk (``csv_import._ResumableRun``)."""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connections


class StoredHere:
    """Each chunk stored at once, on the caller's connection (inside a caller's transaction, or a dry run)."""

    def submit(self, stage: Callable[..., None], *args) -> None:
        stage(*args)

    def wait(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class StoredBeside(StoredHere):
    """Each chunk stored by one thread of its own, on its own connection, while the next chunk is read and checked:
    the database's work and Python's overlap (a history import on PostgreSQL waited for the claim-and-store
    statement of its chunks about a fifth of its time). One chunk in flight at most, stored in file order, so memory
    stays at two chunks and the progress recorded with each chunk still means "every line before this one is
    stored". An error of a chunk is raised by the next submit or the final wait."""

    def __init__(self):
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future | None = None

    def submit(self, stage: Callable[..., None], *args) -> None:
        self.wait()
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="tenure-import-store")
        self.pending = self.pool.submit(stage, *args)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def __exit__(self, *exc) -> None:
        if self.pool is None:
            return
        try:
            if self.pending is not None:  # the reading side failed: the chunk in flight finishes first
                self.pending.exception()
            self.pool.submit(connections.close_all).result()  # the thread's own connection
        finally:
            self.pool.shutdown()
