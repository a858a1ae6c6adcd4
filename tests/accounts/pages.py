"""Read what a rendered account page shows, so tests assert on rows rather than on raw HTML."""

import re
from html import unescape

_ACCOUNT_LINK = re.compile(r'<a class="account-name" href="/accounts/\d+/">(.*?)</a>')


def listed(response) -> list[str]:
    """Account names in the accounts table, in the order shown."""
    assert response.status_code == 200, response.status_code
    return [unescape(name) for name in _ACCOUNT_LINK.findall(response.content.decode())]
