"""A customer's people, added and changed by the CSM: who they are, their roles, and who took over when one left.
Every change goes through the accounts services (timeline notes; the refresh sees the contact change)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from tenure.accounts import services
from tenure.accounts.forms import PersonForm
from tenure.accounts.models import Account, Contact
from tenure.accounts.people import may_edit_people
from tenure.form_errors import show_on_form


def _allowed(request, account: Account) -> None:
    if not may_edit_people(request.user, account):
        raise PermissionDenied(f"Only {account.name}'s CSM, CS leaders and CS operations record its people.")


def _page(request, account: Account, person: Contact | None) -> HttpResponse:
    _allowed(request, account)
    initial = {}
    if person is not None:
        initial = {"name": person.name, "email": person.email, "title": person.title, "roles": person.roles,
                   "community_roles": person.community_roles, "left_on": person.left_on,
                   "successor": person.successor_id}
    form = PersonForm(request.POST or None, initial=initial, account=account, person=person)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        successor = data.pop("successor", None)
        try:
            if person is None:
                person = services.create_contact(account=account, by=request.user, **data)
                messages.success(request, f"{person} added.")
            else:
                if successor is not None and successor.pk == person.successor_id:
                    successor = None  # already theirs: nothing to hand over again
                services.update_contact(person, by=request.user, successor=successor, **data)
                messages.success(request, f"{person} saved.")
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            return redirect(reverse("accounts:detail", args=[account.pk]) + "#contacts")
    return render(request, "accounts/person_form.html", {"form": form, "account": account, "person": person},
                  status=400 if form.errors else 200)


def new_person(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_object_or_404(Account, pk=pk), None)


def edit_person(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Contact.objects.select_related("account"), pk=pk)
    return _page(request, person.account, person)
