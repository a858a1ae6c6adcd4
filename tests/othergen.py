"""A second test dataset, with other conventions than the demo's (``tenure.demo``): CSV files as a billing system
and a product warehouse export them, and the ground truth of their MRR computed here, in plain Python over
dates, without Tenure's code.

The exports' conventions:

* customers.csv: ``customer_id`` (the billing customer), ``workspace_id`` (the product's group id), ``company``,
  ``website`` (a URL), ``country``; a few lines repeated.
* subscriptions.csv: one row per **term** (a billing period), as a billing export lists them: ``id`` (the
  term's own id: ``<subscription>-<n>``), ``customer``, ``plan_name``, ``quantity`` (empty on flat-priced rows),
  ``mrr`` ("$1,250.00"), ``current_period_start`` and ``current_period_end`` — **exclusive**: the next term's
  start (Stripe's convention; the demo writes the last paid day) — ``status`` ("Active", "Past due",
  "Canceled", "Trialing"), ``interval`` ("Monthly", "Annual"). Monthly terms keep their anchor day (Jan 31 →
  Feb 28 → Mar 31). Renewals are new rows; a mid-term seat change ends the term's row on the change day and
  opens a new row from it. Free trials are rows at $0. Some customers leave (their last term "Canceled") and
  some come back later on a new subscription (reactivation); a few renew a few days late (a gap shorter than
  the churn grace). Rows are in no particular order and a few lines are repeated.
* events.csv: ``workspace``, ``user``, ``event_name``, ``ts`` (ISO 8601, UTC "Z"), ``browser`` (a property);
  a few lines repeated.

History is short: six months (January to June 2026), with customers who started in the two months before.

The ground truth (``Dataset.truth_movements``) follows the business rules Tenure documents, written out
independently: a customer's MRR on a day is the MRR of its paid terms covering the day (a paid term covers its
start to the day before its exclusive end); paid days that resume within ``GRACE`` days of a lapse are one stay,
and the lapse is billed at the last MRR (a late renewal is not a departure); MRR movements between month ends
compare each customer's MRR and stay.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

D = dt.date
FIRST_MONTH = D(2026, 1, 1)
AS_OF = D(2026, 6, 30)
GRACE = 7  # days: Tenure's default churn grace
PRICES = {"Starter": Decimal("19"), "Team": Decimal("35"), "Business": Decimal("59")}  # per seat, per month
EVENTS = ["Dashboard Viewed", "Dashboard Viewed", "Report Exported", "Alert Created", "Invite Sent"]
MOVES = ("new", "expansion", "contraction", "churned", "reactivation")


def month_anchor(anchor: dt.date, months: int) -> dt.date:
    """``months`` after ``anchor``, on the anchor's day or the month's last day (billing anchors)."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    return D(year, month + 1, min(anchor.day, calendar.monthrange(year, month + 1)[1]))


@dataclass
class Term:
    term_id: str
    customer: str
    plan: str
    seats: int | None  # None: the export leaves quantity empty
    mrr: Decimal
    start: dt.date
    end: dt.date  # exclusive: the next term's start
    status: str
    interval: str

    def row(self) -> dict:
        return {"id": self.term_id, "customer": self.customer, "plan_name": self.plan,
                "quantity": "" if self.seats is None else str(self.seats), "mrr": f"${self.mrr:,.2f}",
                "current_period_start": self.start.isoformat(), "current_period_end": self.end.isoformat(),
                "status": self.status, "interval": self.interval}


@dataclass
class Dataset:
    customers: list[dict]
    terms: list[Term]
    events: list[dict]
    repeated: dict[str, int] = field(default_factory=dict)  # lines written twice, by file

    # ---- files ----

    def write(self, folder: Path, seed: int = 0) -> dict[str, Path]:
        """The three CSV files, rows shuffled and a few lines repeated; their paths by import kind."""
        rng = random.Random(f"othergen-files:{seed}")
        files = {"accounts": ("customers.csv", self.customers),
                 "subscriptions": ("subscriptions.csv", [t.row() for t in self.terms]),
                 "events": ("events.csv", self.events)}
        paths = {}
        for kind, (name, rows) in files.items():
            rows = list(rows)
            rng.shuffle(rows)
            twice = rng.sample(rows, max(1, len(rows) // 50))
            for row in twice:
                rows.insert(rng.randrange(len(rows) + 1), row)
            self.repeated[kind] = len(twice)
            path = Path(folder) / name
            with path.open("w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            paths[kind] = path
        return paths

    # ---- ground truth ----

    def month_ends(self) -> list[dt.date]:
        """Dec 31 before the first month, then every month end to AS_OF."""
        ends = [FIRST_MONTH - dt.timedelta(days=1)]
        month = FIRST_MONTH
        while month <= AS_OF:
            ends.append(min(month_anchor(month, 1) - dt.timedelta(days=1), AS_OF))
            month = month_anchor(month, 1)
        return ends

    def _paid(self) -> dict[str, list[tuple[dt.date, dt.date, int]]]:
        """Per customer: (first day, last paid day, MRR cents) of each paid term seen by AS_OF."""
        paid: dict[str, list] = {}
        for t in self.terms:
            if t.mrr > 0 and t.start <= AS_OF:
                paid.setdefault(t.customer, []).append((t.start, t.end - dt.timedelta(days=1), int(t.mrr * 100)))
        return {c: sorted(ts) for c, ts in paid.items()}

    def _stays(self, terms) -> list[tuple[dt.date, dt.date]]:
        """Paid days merged across lapses shorter than GRACE days; a stay ends at AS_OF at the latest."""
        stays: list[list[dt.date]] = []
        for start, last, _ in terms:
            last = min(last, AS_OF)
            if stays and (start - stays[-1][1]).days - 1 < GRACE:
                stays[-1][1] = max(stays[-1][1], last)
            else:
                stays.append([start, last])
        return [(a, b) for a, b in stays]

    def _mrr_on(self, terms, day: dt.date) -> int:
        covering = [m for start, last, m in terms if start <= day <= last]
        if covering:
            return sum(covering)
        # A lapse inside a stay is billed at the MRR of the last paid day before it.
        before = [last for _, last, _ in terms if last < day]
        if not before:
            return 0
        last_paid = max(before)
        resumed = [start for start, _, _ in terms if start > day]
        if resumed and (min(resumed) - last_paid).days - 1 < GRACE:
            return sum(m for _, last, m in terms if last == last_paid)
        return 0

    def truth_mrr(self) -> dict[str, list[tuple[int, int]]]:
        """Per customer, at each of ``month_ends()``: (MRR cents, stay number or -1)."""
        out = {}
        for customer, terms in self._paid().items():
            stays = self._stays(terms)
            row = []
            for day in self.month_ends():
                mrr = self._mrr_on(terms, day) if day <= AS_OF else 0
                stay = next((k for k, (a, b) in enumerate(stays) if a <= day <= b), -1)
                row.append((mrr, stay if mrr else -1))
            out[customer] = row
        return out

    def truth_movements(self) -> dict[str, dict[str, int]]:
        """Per month ("2026-01" …): starting and ending MRR, each movement and logo counts, in cents."""
        ends = self.month_ends()
        table = {}
        mrr = self.truth_mrr()
        for k in range(1, len(ends)):
            m = {"starting_mrr": 0, "ending_mrr": 0, **dict.fromkeys(MOVES, 0), "churned_logos": 0,
                 "new_logos": 0, "reactivated_logos": 0}
            for row in mrr.values():
                (s, stay_s), (e, stay_e) = row[k - 1], row[k]
                m["starting_mrr"] += s
                m["ending_mrr"] += e
                if s and e and stay_s == stay_e:
                    m["expansion"] += max(e - s, 0)
                    m["contraction"] += max(s - e, 0)
                    continue
                if s:
                    m["churned"] += s
                    m["churned_logos"] += 1
                if e:
                    kind = "new" if stay_e == 0 else "reactivation"
                    m[kind] += e
                    m["new_logos" if kind == "new" else "reactivated_logos"] += 1
            table[ends[k].strftime("%Y-%m")] = m
        return table


def generate(customers: int = 150, seed: int = 11) -> Dataset:
    rng = random.Random(f"othergen:{seed}")
    customer_rows, terms, events = [], [], []
    for i in range(customers):
        customer, workspace = f"cus_{i:05d}", f"ws-{rng.getrandbits(32):08x}"
        customer_rows.append({"customer_id": customer, "workspace_id": workspace, "company": f"Company {i} Ltd",
                              "website": f"https://www.company{i}.example/", "country": rng.choice(["US", "DE",
                                                                                                  "GB", "FR"])})
        terms += _customer_terms(rng, customer, i)
        events += _customer_events(rng, workspace, [t for t in terms if t.customer == customer])
    return Dataset(customer_rows, terms, events)


def _customer_terms(rng: random.Random, customer: str, i: int) -> list[Term]:
    out: list[Term] = []
    sub_no = 0
    start = D(2025, 11, 1) + dt.timedelta(days=rng.randrange(0, 212))  # Nov 2025 to May 2026
    if rng.random() < 0.2:  # a free trial first (and some never pay)
        trial_end = start + dt.timedelta(days=14)
        converts = rng.random() < 0.7
        out.append(Term(f"sub_{i}x{sub_no}-t", customer, "Team", 5, Decimal("0"), start, trial_end,
                        "Trialing" if converts or trial_end > AS_OF else "Canceled", "Monthly"))
        if not converts:
            return out
        start = trial_end
    while start <= AS_OF:
        sub_id = f"sub_{i}x{sub_no}"
        annual = rng.random() < 0.25
        plan = rng.choice(list(PRICES))
        seats = rng.randint(1, 40)
        anchor, n, term_start = start, 0, start
        flat = rng.random() < 0.1  # this subscription's rows leave quantity empty
        while True:
            months = 12 if annual else 1
            end = month_anchor(anchor, months * (n + 1))
            mrr = PRICES[plan] * seats
            if not annual and rng.random() < 0.04 and (end - term_start).days > 10:  # mid-term seat change
                change = term_start + dt.timedelta(days=rng.randint(3, (end - term_start).days - 3))
                out.append(Term(f"{sub_id}-{len(out)}", customer, plan, None if flat else seats, mrr, term_start,
                                change, "Active", "Monthly"))
                seats = max(1, seats + rng.choice([-3, -2, 2, 4, 6]))
                mrr, term_start = PRICES[plan] * seats, change
            leaves = rng.random() < (0.25 if annual else 0.06)
            status = "Canceled" if leaves else ("Past due" if end > AS_OF and rng.random() < 0.05 else "Active")
            out.append(Term(f"{sub_id}-{len(out)}", customer, plan, None if flat else seats, mrr, term_start, end,
                            status, "Annual" if annual else "Monthly"))
            if leaves or end > AS_OF:
                break
            if rng.random() < 0.15:  # more or fewer seats at renewal
                seats = max(1, seats + rng.choice([-5, -2, -1, 1, 3, 8]))
            n += 1
            term_start = end
            if rng.random() < 0.05:  # paid a few days late: the new term starts after a short lapse
                late = rng.randint(2, 5)
                term_start = end + dt.timedelta(days=late)
                anchor, n = term_start, 0
            if term_start > AS_OF:
                break
        if not leaves or rng.random() >= 0.35:  # 35% of leavers come back, on a new subscription
            break
        start = end + dt.timedelta(days=rng.randint(40, 90))
        sub_no += 1
    return out


def _customer_events(rng: random.Random, workspace: str, terms: list[Term]) -> list[dict]:
    """A few events a week from a few users while the customer has a term (trial or paid)."""
    users = [f"{workspace}-u{k}" for k in range(rng.randint(1, 4))]
    rows = []
    for t in terms:
        day = t.start
        while day < min(t.end, AS_OF + dt.timedelta(days=1)):
            for _ in range(rng.randint(0, 2)):
                ts = dt.datetime(day.year, day.month, day.day, rng.randint(7, 19), rng.randint(0, 59),
                                 tzinfo=dt.UTC)
                rows.append({"workspace": workspace, "user": rng.choice(users), "event_name": rng.choice(EVENTS),
                             "ts": ts.isoformat().replace("+00:00", "Z"), "browser": rng.choice(["chrome",
                                                                                                "firefox"])})
            day += dt.timedelta(days=rng.choice([3, 4, 5]))
    return rows
