"""The work queue a CSM can finish: task counts and a leader's My work speed on an existing demo.

Run against a demo's data directory (never the default one):
    TENURE_DATA_DIR=/tmp/demo_x PYTHONPATH=src python bench/work_queue.py
Prints open tasks (total, automatic per named CSM and per account, the largest account, the pooled queue),
renewal tasks due after the renewal they prepare, and the time and size of a leader's My work page.
Targets (issue 10): automatic tasks per named CSM ≤ 3 per account on average, none due after its renewal, and a
leader's My work under 1 s.
"""

import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django

django.setup()

from collections import Counter  # noqa: E402

from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from tenure.renewals.models import Renewal  # noqa: E402
from tenure.risk.models import Task  # noqa: E402
from tenure.users.models import Role, User  # noqa: E402


def counts() -> None:
    active = Task.objects.filter(status__in=["open", "snoozed"])
    auto = active.exclude(created_by_rule="")
    rows = list(auto.values_list("account_id", "owner_id", "account__coverage"))
    named = [(a, o) for a, o, _ in rows if o is not None]
    per_account = Counter(a for a, _ in named)
    per_owner: dict[int, set] = {}
    for a, o in named:
        per_owner.setdefault(o, set()).add(a)
    print(f"open tasks (open or snoozed): {active.count()}  (open: {active.filter(status='open').count()}, "
          f"automatic: {len(rows)})")
    largest = max(per_account.values(), default=0)
    print(f"automatic, named CSMs: {len(named)} tasks on {len(per_account)} accounts = "
          f"{len(named) / max(len(per_account), 1):.2f} per account; largest account {largest}")
    for owner in User.objects.filter(pk__in=per_owner).order_by("username"):
        accounts = per_owner[owner.pk]
        n = sum(per_account[a] for a in accounts)
        print(f"  {owner.username:>10}: {n:3d} tasks, {len(accounts):3d} accounts, "
              f"{n / len(accounts):.2f} per account, max {max(per_account[a] for a in accounts)}")
    print(f"automatic, no named CSM: pooled accounts {sum(1 for _, o, c in rows if o is None and c == 'pooled')}, "
          f"unassigned accounts {sum(1 for _, o, c in rows if o is None and c != 'pooled')}")
    next_renewal = {}
    for account_id, day in Renewal.objects.filter(status="open").values_list("account_id", "renewal_on"):
        next_renewal[account_id] = min(day, next_renewal.get(account_id, day))
    renewal_tasks = active.filter(Q(play__key="renewal-90") | Q(created_by_rule__in=["renewal", "renewal_due"]))
    late = [(a, due) for a, due in renewal_tasks.values_list("account_id", "due_on")
            if a in next_renewal and due > next_renewal[a]]
    print(f"renewal tasks: {renewal_tasks.count()}, due after their renewal: {len(late)}")


def my_work_speed() -> None:
    leader = User.objects.filter(role=Role.LEADER, is_active=True).order_by("pk").first()
    if leader is None:
        print("no leader in this database")
        return
    client = Client(SERVER_NAME="localhost")
    client.force_login(leader)
    url = reverse("risk:my_work")
    client.get(url)  # warm up
    times, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)  # SQLite runs in-process: on a shared machine, the CPU it took
    print(f"leader's My work ({leader.username}): status {response.status_code}, best of 3 {min(times):.3f} s "
          f"(CPU {min(cpu):.3f} s; load average {os.getloadavg()[0]:.1f}), {len(response.content) / 1024:.0f} KB, "
          f"{len(queries)} queries")


if __name__ == "__main__":
    print(f"today {timezone.localdate()}")
    counts()
    my_work_speed()
