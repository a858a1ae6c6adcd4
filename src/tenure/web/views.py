from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect

from tenure.users import throttle


def home(request):
    if getattr(request.user, "role", None) == "csm":  # a CSM starts the day with their tasks
        return redirect("risk:my_work")
    return redirect("accounts:list")


@login_not_required
def liveness(request):
    """The process answers (no dependency checked): for a supervisor that restarts a hung process."""
    return JsonResponse({"status": "ok"})


@login_not_required
def readiness(request):
    """For load balancers: 200 when this process can reach its database and its job queue, else 503 naming
    what it cannot reach."""
    from huey.contrib.djhuey import HUEY

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as e:  # any failure means "not ready": say which, never a 500
        checks["database"] = f"unreachable: {type(e).__name__}"
    try:
        HUEY.pending_count()
        checks["queue"] = "ok"
    except Exception as e:
        checks["queue"] = f"unreachable: {type(e).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503)


class SignInView(LoginView):
    """Django's sign-in, throttled: a few wrong passwords for one username (or many from one address) lock them
    for a while (tenure.users.throttle); the page says how long, with status 429."""

    template_name = "web/login.html"

    def post(self, request, *args, **kwargs):
        limits = throttle.for_sign_in(request.POST.get("username", ""), throttle.address_of(request))
        wait = throttle.locked_for(limits)
        if wait:
            return self._locked(wait)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.succeeded(limits)
            return response
        throttle.failed(limits)
        wait = throttle.locked_for(limits)
        return self._locked(wait) if wait else response

    def _locked(self, seconds: int):
        response = self.render_to_response(self.get_context_data(
            form=self.get_form_class()(self.request), locked=throttle.wait_words(seconds)))
        response.status_code = 429
        response["Retry-After"] = str(seconds)
        return response
