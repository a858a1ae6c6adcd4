from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from tenure.api_helpers import changes_from, get_or_404, require_writer, resolve
from tenure.knowledge import services
from tenure.knowledge.models import Article, ArticleStatus, Category
from tenure.knowledge.schemas import (
    ArticleCreate,
    ArticleOut,
    ArticleUpdate,
    CategoryCreate,
    CategoryOut,
    SearchResultOut,
    SuggestionOut,
)
from tenure.knowledge.search import Audience, search_articles, suggest_titles

router = Router(tags=["knowledge"])

MOVES = {ArticleStatus.DRAFT: services.unpublish_article, ArticleStatus.PUBLISHED: services.publish_article,
         ArticleStatus.ARCHIVED: services.archive_article}


class ArticleFilters(Schema):
    status: ArticleStatus | None = None
    category_id: int | None = None


@router.get("/articles", response=list[ArticleOut])
@paginate
def list_articles(request, filters: Query[ArticleFilters]):
    """Articles of every status and visibility (the team's view), newest change first."""
    qs = Article.objects.prefetch_related("tags", "related")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    return qs.order_by("-updated_at", "-pk")


class SearchQuery(Schema):
    q: str = Field(min_length=1, max_length=200)
    status: ArticleStatus = ArticleStatus.PUBLISHED
    limit: int = Field(10, ge=1, le=100)


@router.get("/articles/search", response=list[SearchResultOut])
def search(request, query: Query[SearchQuery]):
    """The knowledge base's search (the same as the staff pages' and the portal's), best match first."""
    return search_articles(query.q, audience=Audience.STAFF, statuses=[query.status], limit=query.limit)


class SuggestQuery(Schema):
    q: str = Field(min_length=1, max_length=200)


@router.get("/articles/suggest", response=list[SuggestionOut])
def suggest(request, query: Query[SuggestQuery]):
    """Published titles holding the words typed so far (search as you type)."""
    return suggest_titles(query.q, audience=Audience.STAFF)


@router.get("/articles/{int:article_id}", response=ArticleOut)
def get_article(request, article_id: int):
    return get_or_404(Article, article_id)


def _fields(data: dict) -> dict:
    if "category_id" in data:
        data["category"] = resolve(Category, data.pop("category_id"), "category_id")
    if "related_ids" in data:
        ids = data.pop("related_ids")
        if ids is not None:
            data["related"] = [resolve(Article, pk, "related_ids") for pk in dict.fromkeys(ids)]
    for name in ("tags", "title", "body", "slug", "visibility", "audience_value"):
        if name in data and data[name] is None:
            raise ValidationError({name: "may not be null"})
    return data


@router.post("/articles", response={201: ArticleOut})
def create_article(request, payload: ArticleCreate):
    require_writer(request)
    return Status(201, services.create_article(by=request.auth, **_fields(payload.dict())))


@router.patch("/articles/{int:article_id}", response=ArticleOut)
def update_article(request, article_id: int, payload: ArticleUpdate):
    """Change an article; `status` moves it (published, archived, back to draft), each move a revision."""
    require_writer(request)
    article = get_or_404(Article, article_id)
    changes = _fields(changes_from(payload))
    status = changes.pop("status", None)
    if changes:
        services.update_article(article, by=request.auth, **changes)
    if status is not None:
        MOVES[status](article, by=request.auth)
    return article


@router.get("/categories", response=list[CategoryOut])
@paginate
def list_categories(request):
    return Category.objects.order_by("order", "name", "pk")


@router.get("/categories/{int:category_id}", response=CategoryOut)
def get_category(request, category_id: int):
    return get_or_404(Category, category_id)


@router.post("/categories", response={201: CategoryOut})
def create_category(request, payload: CategoryCreate):
    require_writer(request)
    return Status(201, services.create_category(**payload.dict()))
