"""Assignment rules page: CS Ops decide who serves which accounts, and can run the rules now."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenure.accounts.assignment import assign_accounts
from tenure.accounts.models import AssignmentRule
from tenure.users.models import Role, User
from tenure.users.permissions import require_setup


class RuleForm(forms.ModelForm):
    team = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True, role=Role.CSM).order_by("username"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="For named coverage: who may own these accounts.",
    )

    class Meta:
        model = AssignmentRule
        fields = ["name", "position", "active", "min_seats", "max_seats", "min_arr", "max_arr", "segment", "region",
                  "coverage", "team"]



def rules_page(request, pk: int | None = None):
    can_manage = request.user.manages_setup
    rule = get_object_or_404(AssignmentRule, pk=pk) if pk else None
    form = RuleForm(request.POST or None, instance=rule) if can_manage else None
    if request.method == "POST":
        require_setup(request, "change assignment rules")
        if form.is_valid():
            saved = form.save()
            messages.success(request, f"Saved rule “{saved}”. Run the rules to apply it to existing accounts.")
            return redirect("accounts:assignment")
    return render(request, "accounts/assignment.html", {
        "rules": AssignmentRule.objects.prefetch_related("team"), "form": form, "editing": rule,
        "can_manage": can_manage,
    })


@require_POST
def run_rules(request):
    require_setup(request, "change assignment rules")
    changes = assign_accounts(by=request.user, override_manual=request.POST.get("override") == "on")
    moved = sum(1 for c in changes if c.old_owner != c.new_owner)
    messages.success(request, f"Rules applied: {moved} account{'s' if moved != 1 else ''} changed owner, "
                              f"{len(changes) - moved} more now follow a rule.")
    return redirect("accounts:assignment")
