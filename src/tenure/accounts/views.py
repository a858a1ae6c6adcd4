from django.shortcuts import get_object_or_404, render

from tenure.accounts.models import Account


def account_list(request):
    return render(request, "accounts/list.html", {"accounts": Account.objects.all()[:50]})


def account_detail(request, pk):
    return render(request, "accounts/detail.html", {"account": get_object_or_404(Account, pk=pk)})
