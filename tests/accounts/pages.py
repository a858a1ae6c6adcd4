"""Read what the rendered account pages show (the list and one account), so tests assert on rows and sections
rather than on raw HTML."""

import re
from html import unescape

from django.urls import reverse

_ACCOUNT_LINK = re.compile(r'<a class="account-name" href="/accounts/\d+/">(.*?)</a>')


def listed(response) -> list[str]:
    """Account names in the accounts table, in the order shown."""
    assert response.status_code == 200, response.status_code
    return [unescape(name) for name in _ACCOUNT_LINK.findall(response.content.decode())]


def account_page(client, account) -> str:
    """One account's page as the client's browser gets it."""
    response = client.get(reverse("accounts:detail", args=[account.pk]))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, section_id: str) -> str:
    """From the element with this id to the end of its section."""
    start = html.index(f'id="{section_id}"')
    return html[start:html.find("</section>", start)]
