"""Account facts as of a day: the one place that reads the record rooms (accounts, billing, usage, support,
engagement, surveys) for everyone above (health, renewals, risk, metrics, predict, the pages).

``load_facts(account_ids, as_of)`` returns one ``AccountFacts`` per account, loaded with a fixed number of queries
per batch and never reading after ``as_of``; ``load_facts_on_days(account_ids, days)`` the same for many days at once
(a history's grid). Every fact has one name and one sentence of meaning (``GLOSSARY``).
"""

from tenure.facts.account import GLOSSARY, LIVE_STATUSES, AccountFacts, Windows, is_live
from tenure.facts.load import among, live_subscription_q, load_facts, load_facts_on_days

__all__ = ["GLOSSARY", "LIVE_STATUSES", "AccountFacts", "Windows", "among", "is_live", "live_subscription_q",
           "load_facts", "load_facts_on_days"]
