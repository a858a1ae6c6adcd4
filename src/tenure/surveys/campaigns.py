"""NPS and CSAT campaigns: choose the people, email each a signed link, record the answers they give.

The link carries the invitation id signed with the secret key (no login, nothing to guess). Emails go through
Django's email backend (TENURE_EMAIL_URL). An answer is recorded through surveys.services.record_response, sent
to webhooks, and refreshes the account at once, so health and signals (a detractor) follow within the request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from tenure.accounts.models import Contact, RelationshipRole
from tenure.surveys.models import SCALES, SurveyCampaign, SurveyInvitation, SurveyKind, SurveyResponse
from tenure.surveys.services import nps_category, record_response

SALT = "tenure.surveys.invitation"
LINK_MAX_AGE = dt.timedelta(days=60)


# ---- pure figures -------------------------------------------------------------------------------------------


def nps(scores: list[int]) -> int | None:
    """Net Promoter Score: % promoters (9-10) minus % detractors (0-6), from -100 to 100."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores))


def nps_by(rows: list[tuple[str, int]]) -> dict[str, tuple[int | None, int]]:
    """NPS and answer count per group, from (group, score) pairs."""
    groups: dict[str, list[int]] = defaultdict(list)
    for group, score in rows:
        groups[group].append(score)
    return {g: (nps(s), len(s)) for g, s in sorted(groups.items())}


# ---- choosing and inviting ----------------------------------------------------------------------------------


def audience(campaign: SurveyCampaign, now: dt.datetime | None = None) -> QuerySet[Contact]:
    """Active contacts with an email at live accounts, in the campaign's segment and roles, not surveyed lately."""
    now = now or timezone.now()
    qs = Contact.objects.filter(left_on__isnull=True).exclude(email="").exclude(account__stage="churned")
    if campaign.segment:
        qs = qs.filter(account__segment__iexact=campaign.segment)
    if campaign.roles:
        any_role = Q()
        for role in campaign.roles:
            if role not in RelationshipRole.values:
                raise ValueError(f"unknown role {role!r}")
            any_role |= Q(**{f"is_{role}": True})
        qs = qs.filter(any_role)
    recent = now - dt.timedelta(days=campaign.eligibility_days)
    qs = qs.exclude(survey_invitations__sent_at__gte=recent).exclude(survey_responses__answered_at__gte=recent)
    return qs.select_related("account").distinct().order_by("account_id", "pk")


def token_for(invitation: SurveyInvitation) -> str:
    return signing.dumps(invitation.pk, salt=SALT)


def invitation_for(token: str) -> SurveyInvitation | None:
    """The invitation behind a link, or None for a forged, mangled or expired one."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return SurveyInvitation.objects.select_related("campaign", "contact__account", "response").filter(pk=pk).first()


def link_for(invitation: SurveyInvitation, score: int | None = None) -> str:
    url = f"{settings.TENURE_BASE_URL}/s/{token_for(invitation)}/"
    return url if score is None else f"{url}?score={score}"


def _message(invitation: SurveyInvitation) -> EmailMultiAlternatives:
    campaign = invitation.campaign
    low, high = SCALES[campaign.kind]
    context = {"invitation": invitation, "campaign": campaign, "contact": invitation.contact,
               "link": link_for(invitation), "scores": [(n, link_for(invitation, n)) for n in range(low, high + 1)]}
    message = EmailMultiAlternatives(
        subject=render_to_string("surveys/email_subject.txt", context).strip(),
        body=render_to_string("surveys/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[invitation.contact.email],
    )
    message.attach_alternative(render_to_string("surveys/email.html", context), "text/html")
    return message


def send_campaign(campaign: SurveyCampaign, *, now: dt.datetime | None = None) -> tuple[int, int]:
    """Invite everyone in the audience; return (sent, failed). Invitations are stored before any mail leaves,
    and each records whether its email went, so a failed send can be retried without asking anyone twice."""
    now = now or timezone.now()
    with transaction.atomic():
        contacts = list(audience(campaign, now))
        SurveyInvitation.objects.bulk_create(
            [SurveyInvitation(campaign=campaign, contact=c) for c in contacts], ignore_conflicts=True
        )
        SurveyCampaign.objects.filter(pk=campaign.pk).update(sent_at=now)
    pending = list(SurveyInvitation.objects.filter(campaign=campaign, sent_at__isnull=True)
                   .select_related("contact__account", "campaign"))
    sent = failed = 0
    with get_connection() as connection:
        for invitation in pending:
            try:
                connection.send_messages([_message(invitation)])
            except Exception as e:
                SurveyInvitation.objects.filter(pk=invitation.pk).update(send_error=str(e)[:300])
                failed += 1
            else:
                SurveyInvitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now(), send_error="")
                sent += 1
    return sent, failed


@transaction.atomic
def answer(invitation: SurveyInvitation, score: int, comment: str = "") -> SurveyResponse:
    """Record (or, answered again, correct) a person's answer; health and signals follow within a minute (the
    refresh watches answers, tenure/changes/services.py)."""
    from tenure.integrations.webhooks import emit

    contact = invitation.contact
    if invitation.response_id:
        response = invitation.response
        low, high = SCALES[response.kind]
        if not low <= int(score) <= high:
            raise ValidationError({"score": f"must be between {low} and {high} for {response.kind.upper()}"})
        response.score, response.comment, response.answered_at = int(score), comment.strip(), timezone.now()
        response.save(update_fields=["score", "comment", "answered_at"])
    else:
        response = record_response(account=contact.account, contact=contact, kind=invitation.campaign.kind,
                                   score=score, comment=comment)
        invitation.response = response
        invitation.save(update_fields=["response"])
    category = nps_category(response.score) if response.kind == SurveyKind.NPS else f"CSAT {response.score}"
    emit("survey.answered", {
        "summary": f"{contact.name or contact.email} at {contact.account} answered {response.kind.upper()} "
                   f"{response.score} ({category})" + (f": “{response.comment}”" if response.comment else ""),
        "account_id": contact.account_id, "contact_id": contact.pk, "kind": response.kind, "score": response.score,
        "comment": response.comment, "url": f"{settings.TENURE_BASE_URL}/accounts/{contact.account_id}/",
    })
    return response
