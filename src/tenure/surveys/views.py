"""Survey pages: the public answer page behind the emailed link, and the team's campaigns and NPS overview."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenure.accounts.models import Account, RelationshipRole
from tenure.paging import paged
from tenure.surveys.campaigns import answer, audience, invitation_for, nps, nps_by, send_campaign
from tenure.surveys.models import SCALES, SurveyCampaign, SurveyKind, SurveyResponse
from tenure.users.permissions import require_setup


@login_not_required
def respond(request, token: str):
    invitation = invitation_for(token)
    if invitation is None:
        return render(request, "surveys/respond.html", {"invalid": True}, status=404)
    low, high = SCALES[invitation.campaign.kind]
    error = ""
    if request.method == "POST":
        try:
            response = answer(invitation, int(request.POST.get("score", "")), request.POST.get("comment", "")[:2000])
        except (ValueError, ValidationError):
            error = f"Please choose a number from {low} to {high}."
        else:
            return render(request, "surveys/respond.html", {"thanks": True, "response": response,
                                                            "invitation": invitation})
    chosen = request.GET.get("score") or (invitation.response.score if invitation.response else None)
    return render(request, "surveys/respond.html", {
        "invitation": invitation, "scale": range(low, high + 1), "chosen": str(chosen) if chosen is not None else "",
        "error": error, "comment": invitation.response.comment if invitation.response else "",
    }, status=400 if error else 200)


class CampaignForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(choices=RelationshipRole.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple, help_text="None ticked: everyone.")

    class Meta:
        model = SurveyCampaign
        fields = ["name", "kind", "question", "segment", "roles", "eligibility_days"]



def overview(request):
    can_manage = request.user.manages_setup
    form = CampaignForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        require_setup(request, "send surveys")
        if form.is_valid():
            campaign = form.save(commit=False)
            campaign.created_by = request.user
            campaign.save()
            asked = audience(campaign).count()
            messages.success(request, f"Campaign “{campaign}” saved: {asked} people would be asked.")
            return redirect("surveys:overview")
    answers = SurveyResponse.objects.filter(kind=SurveyKind.NPS)
    by_segment = nps_by(list(answers.values_list("account__segment", "score")))
    # Lowest NPS first: the accounts to look at, each a link to its page (by id: two accounts may share a name).
    names = dict(Account.objects.filter(pk__in=answers.values("account_id")).values_list("pk", "name"))
    scores = nps_by(list(answers.values_list("account_id", "score")))
    by_account = paged(request, sorted(((pk, names[pk], v) for pk, v in scores.items()),
                                       key=lambda item: (item[2][0], item[1], item[0])), 25, "accounts_page")
    by_month = nps_by([(m.strftime("%Y-%m"), s) for m, s in
                       answers.annotate(m=TruncMonth("answered_at")).values_list("m", "score")])
    campaigns = paged(request, SurveyCampaign.objects.annotate(  # one query, not two per campaign
        invited=Count("invitations", filter=Q(invitations__sent_at__isnull=False)),
        answered=Count("invitations", filter=Q(invitations__response__isnull=False)),
    ).order_by("-created_at", "-pk"), 30, "campaigns_page")
    return render(request, "surveys/overview.html", {
        "nps_all": nps(list(answers.values_list("score", flat=True))), "answers": answers.count(),
        "by_segment": by_segment, "by_month": by_month, "by_account": by_account, "campaigns": campaigns, "form": form,
        "can_manage": can_manage,
        "recent": paged(request, SurveyResponse.objects.select_related("account", "contact"), 25, "answers_page"),
    })


@require_POST
def send(request, pk: int):
    require_setup(request, "send surveys")
    sent, failed = send_campaign(get_object_or_404(SurveyCampaign, pk=pk))
    messages.success(request, f"Sent {sent} invitation{'s' if sent != 1 else ''}"
                     + (f"; {failed} could not be sent (see the campaign)" if failed else "") + ".")
    return redirect("surveys:overview")
