"""The knowledge base: articles customers read before they open a ticket, and what their reading tells us."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    order = models.IntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone (public)"
    CUSTOMERS = "customers", "Signed-in customers"
    SEGMENT = "segment", "One segment"
    PLAN = "plan", "One plan"


class Article(models.Model):
    # Search indexes (migration 0002): on PostgreSQL a generated column, on SQLite two FTS5 tables kept in step by
    # triggers. A later migration that alters this table on SQLite remakes it and so drops those triggers: it must
    # run 0002's SQLite trigger statements again.
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField(blank=True, default="", help_text="Markdown.")
    # Derived from the body on every save (knowledge.services): the page shows body_html, search reads body_text.
    body_html = models.TextField(blank=True, default="", editable=False)
    body_text = models.TextField(blank=True, default="", editable=False)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    status = models.CharField(max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    # The segment (Account.segment) or plan (Subscription.plan) a segment- or plan-only article is for; compared
    # ignoring case, as the accounts list compares segments.
    audience_value = models.CharField("segment or plan", max_length=100, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    related = models.ManyToManyField("self", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["status", "visibility"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility__in=["public", "customers"]) | ~models.Q(audience_value=""),
                name="article_segment_or_plan_named",
                violation_error_message="a segment- or plan-only article names its segment or plan",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleRevision(models.Model):
    """Each saved version of an article, with who saved it and when."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=ArticleStatus.choices)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    saved_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_revision_number_unique")]

    def __str__(self) -> str:
        return f"{self.title} (revision {self.number})"


def attachment_storage():
    return AttachmentStorage()


class AttachmentStorage(FileSystemStorage):
    """Files under TENURE_ATTACHMENT_DIR, read from the settings at each use (tests point it elsewhere)."""

    @property
    def base_location(self):
        return str(settings.TENURE_ATTACHMENT_DIR)

    @property
    def location(self):
        return str(settings.TENURE_ATTACHMENT_DIR.resolve())


class Attachment(models.Model):
    """An image or PDF an article shows or links to; its type was read from its content, not its name."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="%Y/%m/", storage=attachment_storage, max_length=300)
    name = models.CharField(max_length=200, help_text="The name it was uploaded with.")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def filename(self) -> str:
        """The stored file's own name (its address ends with it)."""
        return self.file.name.rsplit("/", 1)[-1]


class ArticleFeedback(models.Model):
    """"Was this helpful?": a yes or no, perhaps a comment, perhaps from a known contact."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    comment = models.TextField(blank=True, default="")
    account = models.ForeignKey("accounts.Account", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class KnowledgeGap(models.Model):
    """A search no article answered well: what people looked for that the team has not written yet."""

    query = models.CharField(max_length=200, unique=True, help_text="Normalised: lower case, its content words.")
    example = models.CharField(max_length=200, blank=True, default="", help_text="The words as last typed.")
    count = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    accounts = models.ManyToManyField("accounts.Account", blank=True, related_name="+")

    class Meta:
        ordering = ["-count", "-last_seen"]

    def __str__(self) -> str:
        return self.query


class ActivityKind(models.TextChoices):
    VIEW = "view", "Article view"
    SEARCH = "search", "Search"
    HELPFUL = "helpful", "Helpful vote"
    UNHELPFUL = "unhelpful", "Unhelpful vote"
    DEFLECTION = "deflection", "Deflection"


class KnowledgeActivity(models.Model):
    """How much an account (and one of its contacts) used the knowledge base on a day, by kind: counted by upsert
    (knowledge.services), one row per day × account × contact × kind × article."""

    day = models.DateField()
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # 0 for none: NULLs are distinct in a unique key on both databases, and the upsert needs one key per row.
    contact_key = models.BigIntegerField(default=0, editable=False)
    article_key = models.BigIntegerField(default=0, editable=False)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "account", "contact_key", "kind", "article_key"],
                                    name="knowledge_activity_one_row"),
        ]
        indexes = [models.Index(fields=["account", "day"])]


class ShownArticle(models.Model):
    """An article the customer portal showed while a customer wrote the support request that became ``ticket``:
    the support team sees what the customer already read, and which articles failed to answer."""

    ticket = models.ForeignKey("support.Ticket", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "article"], name="knowledge_shown_once")]
