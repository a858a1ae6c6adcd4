"""The CSV importers: one per kind of record, registered for ``tenure import KIND FILE.csv``.

Column names are matched ignoring case, spaces and hyphens; ``--map our_field=their column`` names others.
The general rules (keys, empty cells, dates, all-or-nothing) are in ``csv_import``'s docstring.

accounts
    Keys, matched in this order: ``crm_id``, ``billing_id``, ``product_group_id``, ``domain`` (the file needs
    at least one of these columns). Fields: ``name`` (required for a new account), ``industry``, ``segment``,
    ``stage`` (onboarding, adopting, mature, renewing, churned), ``owner`` (the owner CSM's username or email).
    Every other column is kept in the account's custom attributes under the column's name (an empty cell
    removes the attribute); ``--map custom.KEY=column`` stores a column under another name.

contacts
    Keys: ``email``, then ``product_user_id`` (one of them needed). The account is named by one of
    ``account_crm_id``, ``account_billing_id``, ``account_product_group_id``, ``account_domain`` (required for
    a new contact; given for an existing one, it moves the contact). Fields: ``name``, ``title``, ``roles``
    (relationship roles: executive_sponsor, champion, admin, user, billing, separated by ``;`` or ``,``),
    ``community_roles`` (maven, promoter, detractor), ``left_on`` (date).

subscriptions
    Key: ``external_id``, the billing system's subscription id (required column). Account: the ``account_…``
    columns, as for contacts. Fields: ``plan``, ``start_date`` (both required for a new subscription),
    ``seats``, ``mrr`` (an amount: 1250, 1,250.00 or $1250), ``currency`` (USD), ``end_date`` (the end of
    the term), ``status`` (trialing, active, past_due, canceled), ``billing_period`` (monthly, quarterly,
    annual), and ``effective_on``: the date the row's change took effect, for the history entry (by default
    the start date for a new subscription and, for a change, the billing service's rule: today, or the end
    date of a subscription cancelled after its term). Every new subscription and every change of a tracked
    field writes a history entry through ``tenure.billing.services``, so MRR movements can be rebuilt.

    End dates: the option ``end_dates`` (``--end-dates`` on the command line) says how the file writes them.
    ``inclusive`` (the default, Tenure's own convention): the last paid day, a monthly term is 2026-01-01 to
    2026-01-31. ``exclusive``: the next term's start, as billing systems export them (Stripe's
    ``current_period_end``), a monthly term is 2026-01-01 to 2026-02-01; they are stored one day earlier.
    Read with the wrong convention, a file either counts every renewal day twice (exclusive dates read as
    inclusive: both terms cover the day) or leaves a day unpaid before each renewal; the import warns when the
    file's terms of one account meet in the way the other convention would explain.

events
    Past product usage, e.g. a warehouse export, loaded through the same validation, de-duplication and
    rollups as the event API. The account is named by the ``account_…`` columns (required); ``user_id``,
    ``event`` and ``timestamp`` (ISO 8601) are required; ``message_id`` is optional (by default one is derived
    from the row, so importing the same file twice stores each event once); ``properties`` may hold a JSON
    object, and any other column becomes a property of the event.

tickets
    Key: ``external_id``, the helpdesk's ticket id (required column). Account: the ``account_…`` columns.
    ``contact_email`` optionally names the contact (who must be at the ticket's account). Fields: ``subject``
    and ``opened_at`` (both required for a new ticket), ``body``, ``category``, ``priority`` (low, normal,
    high, urgent), ``status`` (new, open, pending, solved, closed), ``resolved_at``, ``csat`` (1 to 5). The
    support service's rules apply: an unresolved ticket has no resolution time and a resolved one without a
    ``resolved_at`` is resolved now.
"""

# Importing each module registers its kinds of record.
# isort: off
from tenure.integrations.importers import accounts  # noqa: F401
from tenure.integrations.importers import subscriptions  # noqa: F401
from tenure.integrations.importers import tickets  # noqa: F401
from tenure.integrations.importers import events  # noqa: F401
# isort: on
