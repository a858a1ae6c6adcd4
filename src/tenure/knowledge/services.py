"""The knowledge base's one door: every article, category, tag and attachment change, and every count of how
customers use the knowledge base (views, votes, searches, deflections), is written here. The staff pages, the API,
the import and the portal call these functions; the audit trail follows (knowledge.apps registers the models).

For the portal (it reads through knowledge.search: ``Audience.for_account(account)`` or ``Audience.PUBLIC``,
``search_articles``, ``suggest_titles``, ``readable``, ``readable_article``, ``related_articles``) and writes here:
``record_view``, ``record_feedback``, ``record_search`` (after each search it shows) and ``record_deflection``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.text import slugify

from tenure.accounts.models import Contact
from tenure.knowledge import search
from tenure.knowledge.markdown import plain_text, render
from tenure.knowledge.models import (
    ActivityKind,
    Article,
    ArticleFeedback,
    ArticleRevision,
    ArticleStatus,
    Attachment,
    Category,
    KnowledgeActivity,
    KnowledgeGap,
    ShownArticle,
    Tag,
    Visibility,
)

ARTICLE_FIELDS = ("title", "slug", "body", "category", "tags", "visibility", "audience_value", "related")


# ---- slugs ---------------------------------------------------------------------------------------------------

def unique_slug(model, text: str, *, max_length: int = 200, exclude_pk: int | None = None) -> str:
    """A slug for ``text`` that no other row of ``model`` has: the text's, or it with -2, -3 … after it."""
    base = (slugify(text) or "untitled")[: max_length - 6].strip("-") or "untitled"
    taken = set(model.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


# ---- categories and tags -------------------------------------------------------------------------------------

def _no_nul(**values) -> None:
    for name, value in values.items():
        if "\x00" in (value or ""):  # PostgreSQL cannot store it; refused on SQLite too
            raise ValidationError({name: "contains a NUL character"})


def create_category(*, name: str, slug: str = "", order: int = 0) -> Category:
    _no_nul(name=name, slug=slug)
    name = (name or "").strip()
    category = Category(name=name, slug=slug.strip() or unique_slug(Category, name, max_length=100), order=order)
    category.full_clean()
    category.save()
    return category


def update_category(category: Category, **changes) -> Category:
    unknown = set(changes) - {"name", "slug", "order"}
    if unknown:
        raise ValidationError({f: "not a category field" for f in sorted(unknown)})
    _no_nul(**{k: v for k, v in changes.items() if isinstance(v, str)})
    for key, value in changes.items():
        setattr(category, key, value.strip() if isinstance(value, str) else value)
    category.full_clean()
    category.save()
    return category


def category_named(name: str) -> Category:
    """The category called ``name`` (ignoring case), created when there is none: the import's way in."""
    name = (name or "").strip()
    return Category.objects.filter(name__iexact=name).first() or create_category(name=name)


def tags_named(names: Iterable[str]) -> list[Tag]:
    """The tags of these names (ignoring case), the missing ones created."""
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        _no_nul(tags=name)  # before the lookup: PostgreSQL refuses to compare a NUL character, a 500 otherwise
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            if len(name) > 50:
                raise ValidationError({"tags": f"a tag is at most 50 characters ({name[:20]}… is {len(name)})"})
            tag = Tag(name=name, slug=unique_slug(Tag, name, max_length=50))
            tag.full_clean()
            tag.save()
        tags.append(tag)
    return tags


# ---- articles ------------------------------------------------------------------------------------------------

def _settle(article: Article) -> None:
    """The derived forms of the body, and the rules every article keeps."""
    article.title = (article.title or "").strip()
    _no_nul(title=article.title, body=article.body, slug=article.slug, audience_value=article.audience_value)
    # one form of the same text: a browser's textarea sends CRLF, a file may end in blank lines
    article.body = (article.body or "").replace("\r\n", "\n").strip("\n")
    article.body_html = render(article.body)
    article.body_text = plain_text(article.body_html)
    article.audience_value = (article.audience_value or "").strip()
    if article.visibility in (Visibility.PUBLIC, Visibility.CUSTOMERS):
        article.audience_value = ""
    elif not article.audience_value:
        raise ValidationError({"audience_value": f"a {article.get_visibility_display().lower()} article names "
                                                 f"its {article.visibility}"})
    article.full_clean(exclude=["tags", "related"])


def _revise(article: Article, by, note: str) -> ArticleRevision:
    last = article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return ArticleRevision.objects.create(article=article, number=last + 1, title=article.title, body=article.body,
                                          status=article.status, saved_by=_person(by), note=note[:200])


def _person(by):
    return by if getattr(by, "pk", None) else None


def _set_relations(article: Article, tags, related) -> None:
    if tags is not None:
        article.tags.set([t for t in tags if isinstance(t, Tag)] + tags_named(t for t in tags if isinstance(t, str)))
    if related is not None:
        related = [r for r in related if r is not None]
        if any((r.pk if isinstance(r, Article) else r) == article.pk for r in related):
            raise ValidationError({"related": "an article is not related to itself"})
        article.related.set(related)


@transaction.atomic
def create_article(*, title: str, body: str = "", by=None, slug: str = "", category: Category | None = None,
                   tags: Sequence[Tag | str] = (), visibility: str = Visibility.PUBLIC, audience_value: str = "",
                   related: Sequence[Article] = (), status: str = ArticleStatus.DRAFT, note: str = "") -> Article:
    """A new article (a draft unless ``status`` says published), its first revision saved."""
    if status not in ArticleStatus.values:
        raise ValidationError({"status": f"not one of {', '.join(ArticleStatus.values)}"})
    article = Article(title=title, body=body or "", category=category, visibility=visibility,
                      audience_value=audience_value, status=status, author=_person(by), updated_by=_person(by))
    article.slug = (slug or "").strip() or unique_slug(Article, title)
    if status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
    _settle(article)
    article.save()
    _set_relations(article, tags, related)
    _revise(article, by, note or "created")
    return article


@transaction.atomic
def update_article(article: Article, *, by=None, note: str = "", **changes) -> Article:
    """Change an article's fields (``ARTICLE_FIELDS``); a new revision is saved when its title, body or
    audience changed."""
    unknown = set(changes) - set(ARTICLE_FIELDS)
    if unknown:
        raise ValidationError({f: "not an article field" for f in sorted(unknown)})
    tags, related = changes.pop("tags", None), changes.pop("related", None)
    before = (article.title, article.body, article.slug, article.category_id, article.visibility,
              article.audience_value)
    for key, value in changes.items():
        setattr(article, key, value)
    if "slug" in changes and not (article.slug or "").strip():
        article.slug = unique_slug(Article, article.title, exclude_pk=article.pk)
    _settle(article)
    after = (article.title, article.body, article.slug, article.category_id, article.visibility,
             article.audience_value)
    if after != before:
        article.updated_by = _person(by) or article.updated_by
        article.save()
        _revise(article, by, note or "edited")
    _set_relations(article, tags, related)
    return article


@transaction.atomic
def _move(article: Article, status: str, by, note: str) -> Article:
    if article.status == status:
        return article
    article.status = status
    if status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
    article.updated_by = _person(by) or article.updated_by
    article.save()
    _revise(article, by, note)
    return article


def publish_article(article: Article, *, by=None) -> Article:
    """Readers see it from now on (a draft, or an archived article brought back)."""
    return _move(article, ArticleStatus.PUBLISHED, by, "published")


def archive_article(article: Article, *, by=None) -> Article:
    """Readers no longer see it; it stays, with its history, for the team."""
    return _move(article, ArticleStatus.ARCHIVED, by, "archived")


def unpublish_article(article: Article, *, by=None) -> Article:
    """Back to a draft."""
    return _move(article, ArticleStatus.DRAFT, by, "back to draft")


# ---- attachments ---------------------------------------------------------------------------------------------

# What an attachment may be, read from its first bytes: images an article shows, and PDFs it links to.
ATTACHMENT_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
                    "application/pdf": "pdf"}


def attachment_type(head: bytes) -> str | None:
    """The content type of a file from its first bytes, or None when it is not one we take."""
    kind = filetype.guess(head)
    return kind.mime if kind is not None and kind.mime in ATTACHMENT_TYPES else None


@transaction.atomic
def add_attachment(article: Article, *, name: str, content: bytes, by=None) -> Attachment:
    """Store a file for ``article`` under TENURE_ATTACHMENT_DIR, refused when too large or of a type we do not take
    (whatever its name says)."""
    limit = settings.TENURE_ATTACHMENT_MAX_BYTES
    if len(content) > limit:
        raise ValidationError({"file": f"is {len(content):,} bytes; the largest attachment is {limit:,} bytes"})
    if not content:
        raise ValidationError({"file": "is empty"})
    content_type = attachment_type(content[:8192])
    if content_type is None:
        raise ValidationError({"file": "is not a PNG, JPEG, GIF or WebP image or a PDF (read from its content)"})
    stem = slugify((name or "").rsplit(".", 1)[0])[:80] or "attachment"
    attachment = Attachment(article=article, name=(name or stem)[:200], content_type=content_type,
                            size=len(content), uploaded_by=_person(by))
    attachment.file.save(f"{stem}.{ATTACHMENT_TYPES[content_type]}", ContentFile(content), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def remove_attachment(attachment: Attachment) -> None:
    attachment.file.delete(save=False)
    attachment.delete()


# ---- how customers use it: the counts the account facts will read ----------------------------------------

def _account_of(account, contact):
    if contact is not None and account is None:
        return contact.account
    if contact is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": "belongs to another account"})
    return account


def count_activity(kind: str, *, account, contact=None, article=None, day: dt.date | None = None,
                   count: int = 1) -> None:
    """Add ``count`` to an account's (and contact's) tally of ``kind`` on ``day`` (today by default): one upsert,
    safe when two requests count at once on either database."""
    table = KnowledgeActivity._meta.db_table
    contact_key = contact.pk if contact is not None else 0
    article_key = article.pk if article is not None else 0
    sql = (f"INSERT INTO {table} (day, account_id, contact_id, kind, article_id, contact_key, article_key, count) "
           f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
           f"ON CONFLICT (day, account_id, contact_key, kind, article_key) "
           f"DO UPDATE SET count = {table}.count + excluded.count")
    with connection.cursor() as cursor:
        cursor.execute(sql, [day or timezone.localdate(), account.pk, contact.pk if contact else None, kind,
                             article.pk if article else None, contact_key, article_key, count])


ACTIVITY_CHUNK = 1000  # rows per INSERT: 8 parameters each, well under either database's limit


class Tally(NamedTuple):
    """One count for ``add_activity``: ids, not rows, so a year of them is cheap to build."""

    day: dt.date
    account_id: int
    kind: str
    contact_id: int | None = None
    article_id: int | None = None
    count: int = 1


@transaction.atomic
def add_activity(tallies: Iterable[Tally]) -> int:
    """Count many tallies at once, as ``count_activity`` counts one: those for the same day, account, contact,
    kind and article add up, here and with what is stored. For the demo's year and imports; a few statements per
    thousand tallies. Returns the number of distinct rows written."""
    rows: dict[tuple, list] = {}
    kinds = set(ActivityKind.values)
    for t in tallies:
        if t.kind not in kinds:
            raise ValidationError({"kind": f"{t.kind!r} is not one of {', '.join(ActivityKind.values)}"})
        if t.count < 0:
            raise ValidationError({"count": "is not negative"})
        key = (t.day, t.account_id, t.contact_id or 0, t.kind, t.article_id or 0)
        row = rows.get(key)
        if row is None:
            rows[key] = [t.day, t.account_id, t.contact_id, t.kind, t.article_id, key[2], key[4], t.count]
        else:
            row[7] += t.count
    contacts = {row[2] for row in rows.values() if row[2]}
    at = dict(Contact.objects.filter(pk__in=contacts).values_list("pk", "account_id")) if contacts else {}
    for _, account_id, contact_id, *_ in rows.values():
        if contact_id and at.get(contact_id) != account_id:
            raise ValidationError({"contact": f"contact {contact_id} belongs to another account"})
    table = KnowledgeActivity._meta.db_table
    values = list(rows.values())
    with connection.cursor() as cursor:
        for start in range(0, len(values), ACTIVITY_CHUNK):
            chunk = values[start:start + ACTIVITY_CHUNK]
            cursor.execute(
                f"INSERT INTO {table} (day, account_id, contact_id, kind, article_id, contact_key, article_key, "
                f"count) VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s)'] * len(chunk))} "
                f"ON CONFLICT (day, account_id, contact_key, kind, article_key) "
                f"DO UPDATE SET count = {table}.count + excluded.count",
                [v for row in chunk for v in row])
    return len(values)


@transaction.atomic
def add_feedback(rows: Iterable[ArticleFeedback]) -> list[ArticleFeedback]:
    """Many "was this helpful?" answers at once (unsaved ArticleFeedback rows, each dated by its ``created_at``,
    now when empty), counted as ``record_feedback`` counts them. For the demo's year and imports."""
    rows = list(rows)
    now = timezone.now()
    for row in rows:
        if row.contact_id and not row.account_id:
            row.account_id = row.contact.account_id
        row.helpful = bool(row.helpful)
        row.comment = (row.comment or "").replace("\x00", "").strip()[:2000]
        row.created_at = row.created_at or now
    dated = [(row, row.created_at) for row in rows]
    saved = ArticleFeedback.objects.bulk_create(rows, batch_size=ACTIVITY_CHUNK)
    # created_at is stamped on insert: the answers get their own dates back (one executemany)
    field = ArticleFeedback._meta.get_field("created_at")
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {ArticleFeedback._meta.db_table} SET created_at = %s WHERE id = %s",
                           [(field.get_db_prep_value(at, connection), row.pk) for row, at in dated])
    for row, at in dated:
        row.created_at = at
    add_activity(Tally(timezone.localdate(at), row.account_id,
                       ActivityKind.HELPFUL if row.helpful else ActivityKind.UNHELPFUL, row.contact_id,
                       row.article_id) for row, at in dated if row.account_id)
    return saved


def record_view(article: Article, account=None, contact=None, *, day: dt.date | None = None) -> None:
    """A person read an article (today unless ``day`` says when). Counted per account (and contact) and day; an
    anonymous reader is not counted (there is no account to credit)."""
    account = _account_of(account, contact)
    if account is not None:
        count_activity(ActivityKind.VIEW, account=account, contact=contact, article=article, day=day)


@transaction.atomic
def record_feedback(article: Article, helpful: bool, *, comment: str = "", account=None,
                    contact=None, at: dt.datetime | None = None) -> ArticleFeedback:
    """"Was this helpful?": yes or no, perhaps with a comment; given now unless ``at`` says when."""
    account = _account_of(account, contact)
    feedback = ArticleFeedback.objects.create(article=article, helpful=bool(helpful),
                                              comment=(comment or "").replace("\x00", "").strip()[:2000],
                                              account=account,
                                              contact=contact)
    if at is not None:  # created_at is stamped on insert: a vote from the past is dated after it
        ArticleFeedback.objects.filter(pk=feedback.pk).update(created_at=at)
        feedback.created_at = at
    if account is not None:
        count_activity(ActivityKind.HELPFUL if helpful else ActivityKind.UNHELPFUL, account=account,
                       contact=contact, article=article, day=timezone.localdate(at) if at else None)
    return feedback


def record_deflection(account, contact=None, articles: Sequence[Article] = (), *, day: dt.date | None = None) -> None:
    """A customer about to open a ticket left after being shown ``articles``: "this answered my question" (today
    unless ``day`` says when). One deflection is counted for the account (the articles shown are credited with one
    each as well, so the leaders' page can tell which articles deflect)."""
    account = _account_of(account, contact)
    if account is None:
        raise ValidationError({"account": "a deflection is counted for an account"})
    with transaction.atomic():
        count_activity(ActivityKind.DEFLECTION, account=account, contact=contact, day=day)
        for article in dict.fromkeys(a for a in articles if a is not None):
            count_activity(ActivityKind.DEFLECTION, account=account, contact=contact, article=article, day=day)


@transaction.atomic
def record_search(query: str, results: Sequence[search.SearchResult], account=None,
                  contact=None, *, at: dt.datetime | None = None) -> KnowledgeGap | None:
    """A search was made (now unless ``at`` says when) and answered with ``results`` (as
    ``search.search_articles`` gave them): counted for the account, and recorded as a knowledge gap when no result
    matched every word of it. Returns the gap, if any."""
    account = _account_of(account, contact)
    normalised = search.normalise(query)[:200]
    if not normalised:
        return None
    if account is not None:
        count_activity(ActivityKind.SEARCH, account=account, contact=contact,
                       day=timezone.localdate(at) if at else None)
    if any(r.complete for r in results):
        return None
    now = at or timezone.now()
    gap, _ = KnowledgeGap.objects.select_for_update().get_or_create(
        query=normalised, defaults={"first_seen": now, "last_seen": now, "count": 0})
    # a search recorded late (``at`` in the past) widens the dates seen, never narrows them
    KnowledgeGap.objects.filter(pk=gap.pk).update(count=F("count") + 1, first_seen=Least("first_seen", Value(now)),
                                                  last_seen=Greatest("last_seen", Value(now)),
                                                  example=(query or "").replace("\x00", "").strip()[:200])
    if account is not None:
        gap.accounts.add(account)
    gap.refresh_from_db()
    return gap


def record_shown(ticket, articles: Sequence[Article]) -> None:
    """The articles the portal showed while the customer wrote the request that became ``ticket``."""
    ShownArticle.objects.bulk_create([ShownArticle(ticket=ticket, article=a) for a in dict.fromkeys(articles)],
                                     ignore_conflicts=True)


def shown_with(ticket) -> list[Article]:
    return [s.article for s in ShownArticle.objects.filter(ticket=ticket).select_related("article").order_by("pk")]


@transaction.atomic
def add_shown(shown: Iterable[tuple[object, Sequence[Article]]]) -> int:
    """``record_shown`` for many tickets at once: (ticket, articles shown) pairs. Returns the rows written."""
    rows = [ShownArticle(ticket=ticket, article=article) for ticket, articles in shown
            for article in dict.fromkeys(articles)]
    ShownArticle.objects.bulk_create(rows, batch_size=ACTIVITY_CHUNK, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def wipe_knowledge() -> None:
    """Delete the whole knowledge base and every count of its use (the demo's rebuild starts over)."""
    for model in (KnowledgeActivity, ShownArticle, ArticleFeedback):
        model.objects.all()._raw_delete(model.objects.db)  # nothing points at these
    KnowledgeGap.objects.all().delete()
    for attachment in Attachment.objects.all():
        remove_attachment(attachment)
    Article.objects.all().delete()
    Category.objects.all().delete()
    Tag.objects.all().delete()
