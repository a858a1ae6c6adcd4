"""Survey responses: every answer is recorded through record_response."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenure.surveys.models import SCALES, SurveyKind, SurveyResponse


def nps_category(score: int) -> str:
    """promoter (9-10), passive (7-8) or detractor (0-6)."""
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


@transaction.atomic
def record_response(*, account, score: int, kind: str = SurveyKind.NPS, contact=None, comment: str = "",
                    answered_at: dt.datetime | None = None) -> SurveyResponse:
    if kind not in SCALES:
        raise ValidationError({"kind": f"{kind!r} is not a survey kind"})
    low, high = SCALES[kind]
    if score is None or not low <= int(score) <= high:
        raise ValidationError({"score": f"must be between {low} and {high} for {kind.upper()}"})
    if contact is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": "belongs to another account"})
    response = SurveyResponse(account=account, contact=contact, kind=kind, score=int(score),
                              comment=comment.strip(), answered_at=answered_at or timezone.now())
    response.full_clean()
    response.save()
    return response
