"""Reading the account page in tests: the page as a CSM's browser gets it, and one of its sections."""

from django.urls import reverse


def account_page(client, account) -> str:
    response = client.get(reverse("accounts:detail", args=[account.pk]))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, section_id: str) -> str:
    """From the element with this id to the end of its section."""
    start = html.index(f'id="{section_id}"')
    return html[start:html.find("</section>", start)]
