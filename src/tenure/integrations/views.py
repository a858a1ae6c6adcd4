from django.shortcuts import render


def import_page(request):
    return render(request, "integrations/import.html", {})
