"""A subscription business's history as the CSV files it would import: accounts (with columns the importer is
not told about), subscriptions with start and end dates, and past usage events."""

import csv
import datetime as dt
import random

AS_OF = dt.date(2026, 3, 31)
FIRST = dt.date(2024, 12, 1)


def write_history(folder, accounts: int = 60, seed: int = 3) -> dict:
    rng = random.Random(f"imported:{seed}")
    acc_rows, sub_rows, event_rows = [], [], []
    truth = {"churned": {}, "reactivated": set(), "mrr_now": 0.0}
    for i in range(accounts):
        crm = f"C-{i:03d}"
        churner = i % 5 in (0, 1)  # 40% leave at some point
        channel = rng.choices(["self-serve", "partner", "sales"], weights=[5, 2, 3] if churner else [2, 3, 5])[0]
        acc_rows.append({"crm_id": crm, "name": f"Customer {i}", "segment": rng.choice(["smb", "mid-market"]),
                         "channel": channel, "country": rng.choice(["US", "DE", "FR"])})
        start = FIRST + dt.timedelta(days=rng.randint(0, 90))
        mrr = rng.choice([99, 199, 499, 999])
        end = None
        if churner:
            end = dt.date(2025, 5, 1) + dt.timedelta(days=rng.randint(0, 270))
            truth["churned"][crm] = end
        sub_rows.append({"external_id": f"S-{i:03d}", "account_crm_id": crm, "plan": "Pro" if mrr > 200 else "Basic",
                         "seats": 10, "mrr": mrr, "start_date": start.isoformat(),
                         "end_date": end.isoformat() if end else "", "status": "canceled" if end else "active",
                         "billing_period": "monthly"})
        back = None
        if churner and i % 10 == 0 and end + dt.timedelta(days=120) < AS_OF:  # some come back
            back = end + dt.timedelta(days=60)
            sub_rows.append({"external_id": f"S-{i:03d}-R", "account_crm_id": crm, "plan": "Basic", "seats": 5,
                             "mrr": 79, "start_date": back.isoformat(), "end_date": "", "status": "active",
                             "billing_period": "monthly"})
            truth["reactivated"].add(crm)
            truth["mrr_now"] += 79
        elif not churner:
            truth["mrr_now"] += mrr
        users = [f"{crm}-u{j}" for j in range(rng.randint(3, 6))]
        day = start
        last = min(end or AS_OF, AS_OF)
        while day <= last:
            share = 0.8
            if end is not None and (end - day).days < 75:  # usage fades before they leave
                share = 0.8 * max(0.05, (end - day).days / 75)
            for user in users:
                if rng.random() < share:
                    event = rng.choice(["Report Viewed", "Report Viewed", "Dashboard Viewed", "Export Run"])
                    ts = dt.datetime(day.year, day.month, day.day, 10 + rng.randint(0, 6), tzinfo=dt.UTC)
                    event_rows.append({"account_crm_id": crm, "user_id": user, "event": event,
                                       "timestamp": ts.isoformat()})
            day += dt.timedelta(days=rng.choice([3, 4]))
        if back:
            day = back
            while day <= AS_OF:
                ts = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
                event_rows.append({"account_crm_id": crm, "user_id": users[0], "event": "Report Viewed",
                                   "timestamp": ts.isoformat()})
                day += dt.timedelta(days=5)
    paths = {}
    for name, rows in (("accounts", acc_rows), ("subscriptions", sub_rows), ("events", event_rows)):
        path = folder / f"{name}.csv"
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        paths[name] = path
    return {"paths": paths, "truth": truth}
