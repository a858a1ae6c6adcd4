"""Assignment rules: which CSM (or the pooled tech-touch team) serves each account.

The first active rule, by position, whose conditions all hold decides an account's coverage and the team that
may own it; within the team the CSM with the lowest load against capacity takes it. Rules look after accounts
with no owner and accounts a rule assigned before; an owner a person chose stays until someone runs the rules
with ``override_manual``. Every change of owner is written on the account's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from tenure.accounts.models import Account, AssignmentRule
from tenure.billing.services import arr_by_account, seats_by_account
from tenure.users import audit
from tenure.users.models import User

DEFAULT_CAPACITY = 50  # accounts a CSM carries when no capacity is set on the user


@dataclass(frozen=True)
class RuleInputs:
    seats: int
    arr: Decimal
    segment: str
    region: str


def matches(rule: AssignmentRule, facts: RuleInputs) -> bool:
    checks = [
        rule.min_seats is None or facts.seats >= rule.min_seats,
        rule.max_seats is None or facts.seats <= rule.max_seats,
        rule.min_arr is None or facts.arr >= rule.min_arr,
        rule.max_arr is None or facts.arr <= rule.max_arr,
        not rule.segment or facts.segment.lower() == rule.segment.lower(),
        not rule.region or facts.region.lower() == rule.region.lower(),
    ]
    return all(checks)


def least_loaded(team: list[User], loads: dict[int, int]) -> User | None:
    """The CSM with the most room: lowest share of capacity in use, then fewest accounts, then name."""
    if not team:
        return None
    return min(team, key=lambda u: ((loads.get(u.pk, 0) + 1) / (u.capacity or DEFAULT_CAPACITY),
                                    loads.get(u.pk, 0), u.username))


@dataclass
class Assignment:
    account: Account
    old_owner: User | None
    new_owner: User | None
    coverage: str
    rule: AssignmentRule


def _facts(accounts: list[Account]) -> dict[int, RuleInputs]:
    ids = [a.pk for a in accounts]
    seats, arr = seats_by_account(ids), arr_by_account(ids)
    return {
        a.pk: RuleInputs(seats.get(a.pk, 0), arr.get(a.pk, Decimal("0")), a.segment,
                           str((a.custom or {}).get("region", "")))
        for a in accounts
    }


def plan(accounts: list[Account], rules: list[AssignmentRule], loads: dict[int, int], *,
         override_manual: bool = False) -> list[Assignment]:
    """What the rules would change, without changing anything. ``loads`` is updated as accounts are placed."""
    facts = _facts(accounts)
    teams = {r.pk: [u for u in r.team.all() if u.is_active] for r in rules}
    changes = []
    for account in accounts:
        manual = account.owner_id is not None and account.assigned_by_rule_id is None
        if manual and not override_manual:
            continue
        rule = next((r for r in rules if matches(r, facts[account.pk])), None)
        if rule is None:
            continue
        team = teams[rule.pk]
        if rule.coverage == "pooled":
            owner = None
        elif account.owner_id in {u.pk for u in team}:
            owner = account.owner  # already with someone on the right team: no churn
        else:
            owner = least_loaded(team, loads)
        if owner is not None and owner.pk != account.owner_id:
            loads[owner.pk] = loads.get(owner.pk, 0) + 1
            if account.owner_id:
                loads[account.owner_id] = loads.get(account.owner_id, 1) - 1
        moved = (owner.pk if owner else None) != account.owner_id or account.coverage != rule.coverage
        if moved or account.assigned_by_rule_id != rule.pk:
            changes.append(Assignment(account, account.owner, owner, rule.coverage, rule))
    return changes


def current_loads() -> dict[int, int]:
    from django.db.models import Count

    return dict(
        Account.objects.exclude(stage="churned").filter(owner__isnull=False)
        .values("owner").annotate(n=Count("pk")).values_list("owner", "n")
    )


@transaction.atomic
def assign_accounts(account_ids=None, *, by: User | None = None, override_manual: bool = False) -> list[Assignment]:
    """Apply the rules to these accounts (all when None). Each change of owner is recorded in the audit trail as
    the rule's (or ``by``'s, who ran them), and so shows on the account's timeline."""
    rules = list(AssignmentRule.objects.filter(active=True).prefetch_related("team"))
    if not rules:
        return []
    accounts = Account.objects.select_related("owner").exclude(stage="churned").order_by("pk")
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    changes = plan(list(accounts), rules, current_loads(), override_manual=override_manual)
    for rule in {c.rule.pk: c.rule for c in changes}.values():
        audit.record_changes(Account, [
            (c.account, {"owner": (c.old_owner or _nobody(c.account.coverage), c.new_owner or _nobody(c.coverage)),
                         "coverage": (c.account.get_coverage_display(), _coverage_label(c.coverage))})
            for c in changes if c.rule.pk == rule.pk], label=f"assignment rule “{rule}”", by=by)
    for c in changes:
        Account.objects.filter(pk=c.account.pk).update(
            owner=c.new_owner, coverage=c.coverage, assigned_by_rule=c.rule
        )
    return changes


def _nobody(coverage: str) -> str:
    return "the pooled (tech-touch) team" if coverage == "pooled" else "nobody"


def _coverage_label(coverage: str) -> str:
    return str(dict(Account._meta.get_field("coverage").flatchoices).get(coverage, coverage))


def refresh_assignments(account_ids: list[int], as_of=None) -> None:
    """The job's hook: keep rule-made assignments right as seats and ARR change; leave people's choices alone."""
    assign_accounts(account_ids)
