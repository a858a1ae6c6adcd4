"""Articles built through the knowledge services, as the product writes them."""

import itertools

from tenure.knowledge import services
from tenure.knowledge.models import ArticleStatus

_n = itertools.count(1)


def make_article(title: str | None = None, body: str = "", *, status: str = ArticleStatus.PUBLISHED, **kw):
    return services.create_article(title=title or f"Article {next(_n)}", body=body, status=status, **kw)
