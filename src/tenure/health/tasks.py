"""Health jobs: thin wrappers over services (the periodic re-score of changed accounts is in tenure/jobs.py)."""

import datetime as dt

from huey.contrib.djhuey import db_task

from tenure.health import services


@db_task(retries=2, retry_delay=10)
def score_batch(account_ids: list[int], as_of: str) -> None:
    services.score_accounts(account_ids, dt.date.fromisoformat(as_of))
