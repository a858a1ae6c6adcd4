from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import redirect


def home(request):
    return redirect("accounts:list")


@login_not_required
def liveness(request):
    return JsonResponse({"status": "ok"})
