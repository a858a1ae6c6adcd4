import datetime as dt

from ninja import Field, Schema

from tenure.knowledge.models import ArticleStatus, Visibility


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    order: int


class CategoryCreate(Schema):
    name: str = Field(min_length=1, max_length=100)
    slug: str = Field("", max_length=100)
    order: int = Field(0, ge=-1_000_000, le=1_000_000)


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="The body rendered and sanitised: safe to show as it is.")
    status: ArticleStatus
    visibility: Visibility
    audience_value: str = Field(description="The segment or plan a segment- or plan-only article is for.")
    category_id: int | None
    tags: list[str]
    related_ids: list[int]
    published_at: dt.datetime | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_tags(obj) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_related_ids(obj) -> list[int]:
        return [r.pk for r in obj.related.all()]


class ArticleCreate(Schema):
    title: str = Field(min_length=1, max_length=300)
    slug: str = Field("", max_length=200, description="Empty: made from the title.")
    body: str = Field("", max_length=500_000)
    status: ArticleStatus = ArticleStatus.DRAFT
    visibility: Visibility = Visibility.PUBLIC
    audience_value: str = Field("", max_length=100)
    category_id: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=50)
    related_ids: list[int] = Field(default_factory=list, max_length=50)


class ArticleUpdate(Schema):
    title: str | None = Field(None, min_length=1, max_length=300)
    slug: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=500_000)
    status: ArticleStatus | None = None
    visibility: Visibility | None = None
    audience_value: str | None = Field(None, max_length=100)
    category_id: int | None = None
    tags: list[str] | None = Field(None, max_length=50)
    related_ids: list[int] | None = Field(None, max_length=50)


class SearchResultOut(Schema):
    id: int
    title: str
    slug: str
    url: str
    snippet: str = Field(description="Safe HTML: the text escaped, the matching words in <mark>.")
    score: float = Field(description="Higher is better; compare within one answer only.")
    complete: bool = Field(description="Every content word of the query matched.")


class SuggestionOut(Schema):
    id: int
    title: str
    url: str
