from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect


def home(request):
    if getattr(request.user, "role", None) == "csm":  # a CSM starts the day with their tasks
        return redirect("risk:my_work")
    return redirect("accounts:list")


@login_not_required
def liveness(request):
    return JsonResponse({"status": "ok"})
