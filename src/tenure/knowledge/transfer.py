"""Moving a knowledge base in and out: a folder of Markdown files (sub-folders are categories) or a CSV with
title, body and category columns. Every article goes through knowledge.services; a re-import matches articles by
slug, so running it twice changes nothing the second time. The export writes the folder layout the import reads."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from tenure.knowledge import services
from tenure.knowledge.models import Article, ArticleStatus, Visibility
from tenure.users import audit

MARKDOWN_SUFFIXES = {".md", ".markdown"}
MAX_FILE = 2 * 1024 * 1024
FRONT_KEYS = {"title", "slug", "status", "visibility", "audience", "tags", "category"}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, why)

    def summary(self) -> str:
        return (f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.skipped)} skipped")


@dataclass
class Draft:
    """One article as a file or a row gives it."""

    where: str
    title: str
    body: str
    slug: str = ""
    category: str = ""
    tags: list[str] | None = None
    status: str = ""
    visibility: str = ""
    audience: str = ""


# ---- reading ---------------------------------------------------------------------------------------------

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_HEADING = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\r?\n|\Z)")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_markdown(text: str, *, where: str, fallback_title: str, category: str = "") -> Draft:
    """A Markdown file: optional front matter (``key: value`` lines between ``---``), else a first ``# Title``
    line gives the title (and leaves the body); else the file's name does."""
    front: dict[str, str] = {}
    match = _FRONT.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() in FRONT_KEYS:
                front[key.strip().lower()] = _unquote(value)
        text = text[match.end():]
    title = front.get("title", "")
    if not title:
        heading = _HEADING.match(text)
        if heading:
            title, text = heading.group(1).strip(), text[heading.end():]
    tags = [t.strip() for t in front["tags"].strip("[]").split(",") if t.strip()] if "tags" in front else None
    return Draft(where=where, title=title or fallback_title, body=text,
                 slug=front.get("slug", ""), category=front.get("category", category), tags=tags,
                 status=front.get("status", ""), visibility=front.get("visibility", ""),
                 audience=front.get("audience", ""))


def read_folder(root: Path) -> tuple[list[Draft], list[tuple[str, str]]]:
    drafts, skipped = [], []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        where = str(path.relative_to(root))
        if path.name.startswith("."):
            continue
        if path.suffix.lower() not in MARKDOWN_SUFFIXES:
            skipped.append((where, "not a Markdown file (.md, .markdown)"))
            continue
        if path.stat().st_size > MAX_FILE:
            skipped.append((where, f"larger than {MAX_FILE // (1024 * 1024)} MB"))
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            skipped.append((where, "not UTF-8 text"))
            continue
        # the top folder is the category; deeper folders only group its files
        folder = path.parent.relative_to(root).parts
        category = folder[0] if folder else ""
        stem = path.stem.replace("-", " ").replace("_", " ").strip()
        draft = parse_markdown(text, where=where, fallback_title=stem[:1].upper() + stem[1:], category=category)
        draft.slug = draft.slug or slugify(path.stem)
        drafts.append(draft)
    return drafts, skipped


def read_csv(path: Path) -> tuple[list[Draft], list[tuple[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{path.name}: not UTF-8 text") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    names = {(n or "").strip().lower(): n for n in reader.fieldnames or []}
    if "title" not in names or "body" not in names:
        raise ValidationError(f"{path.name}: needs title and body columns (category, slug, tags, status, "
                              f"visibility and audience are optional); found: {', '.join(names) or 'none'}")
    drafts = []
    for line, row in enumerate(reader, start=2):
        def cell(name, row=row):
            return (row.get(names[name]) or "").strip() if name in names else ""
        tags = [t.strip() for t in cell("tags").split(",") if t.strip()] if "tags" in names else None
        drafts.append(Draft(where=f"line {line}", title=cell("title"), body=row.get(names["body"]) or "",
                            slug=cell("slug"), category=cell("category"), tags=tags, status=cell("status").lower(),
                            visibility=cell("visibility").lower(), audience=cell("audience")))
    return drafts, []


# ---- writing through the services -------------------------------------------------------------------------

def _problem(draft: Draft) -> str:
    if not draft.title.strip():
        return "no title"
    if len(draft.title) > 300:
        return "title longer than 300 characters"
    if draft.status and draft.status not in ArticleStatus.values:
        return f"status {draft.status!r} is not one of {', '.join(ArticleStatus.values)}"
    if draft.visibility and draft.visibility not in Visibility.values:
        return f"visibility {draft.visibility!r} is not one of {', '.join(Visibility.values)}"
    return ""


def _words(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def _save(draft: Draft, default_status: str, report: ImportReport, seen: set[str]) -> None:
    problem = _problem(draft)
    slug = (draft.slug or slugify(draft.title))[:200]
    if not problem and slug in seen:
        problem = f"slug {slug!r} appears twice in this import"
    if problem:
        report.skipped.append((draft.where, problem))
        return
    seen.add(slug)
    category = services.category_named(draft.category) if draft.category.strip() else None
    fields = {"title": draft.title.strip(), "body": draft.body, "category": category}
    if draft.visibility:
        fields["visibility"] = draft.visibility
        fields["audience_value"] = draft.audience
    if draft.tags is not None:
        fields["tags"] = draft.tags
    article = Article.objects.filter(slug=slug).first()
    try:
        with transaction.atomic():
            if article is None:
                article = services.create_article(slug=slug, status=draft.status or default_status,
                                                  note="imported", **fields)
                report.created.append(f"{draft.where}: {article.title}")
                return
            before = (article.title, article.body, article.category_id, article.visibility, article.audience_value,
                      article.status, sorted(article.tags.values_list("name", flat=True)))
            services.update_article(article, note="imported", **fields)
            if draft.status and draft.status != article.status:
                {ArticleStatus.DRAFT: services.unpublish_article, ArticleStatus.PUBLISHED: services.publish_article,
                 ArticleStatus.ARCHIVED: services.archive_article}[draft.status](article)
            after = (article.title, article.body, article.category_id, article.visibility, article.audience_value,
                     article.status, sorted(article.tags.values_list("name", flat=True)))
            (report.updated if after != before else report.unchanged).append(f"{draft.where}: {article.title}")
    except ValidationError as exc:
        report.skipped.append((draft.where, _words(exc)))


def import_articles(path: str | Path, *, status: str = ArticleStatus.PUBLISHED, user=None) -> ImportReport:
    """Import a folder of Markdown files or a CSV file. New articles get ``status`` unless the file says
    otherwise; an article already there (the same slug) is updated, or left alone when nothing differs."""
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"{path}: no such file or folder")
    if path.is_dir():
        drafts, skipped = read_folder(path)
    elif path.suffix.lower() == ".csv":
        drafts, skipped = read_csv(path)
    elif path.suffix.lower() in MARKDOWN_SUFFIXES:
        drafts, skipped = read_folder(path.parent)
        drafts = [d for d in drafts if d.where == path.name]
        skipped = []
    else:
        raise ValidationError(f"{path}: give a folder of Markdown files, a Markdown file or a CSV file")
    report = ImportReport(skipped=list(skipped))
    seen: set[str] = set()
    label = f"{user}, importing articles from {path.name}" if user else f"import of articles from {path.name}"
    with audit.acting_as(user, label):
        for draft in drafts:
            _save(draft, status, report, seen)
    return report


# ---- export ----------------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _folder_name(name: str) -> str:
    return _UNSAFE.sub("-", name).strip(" .-") or "category"


def article_markdown(article: Article) -> str:
    tags = ", ".join(t.name for t in article.tags.all())
    lines = ["---", f"title: {article.title}", f"slug: {article.slug}", f"status: {article.status}",
             f"visibility: {article.visibility}"]
    if article.audience_value:
        lines.append(f"audience: {article.audience_value}")
    lines.append(f"tags: {tags}")
    lines.append("---")
    return "\n".join(lines) + "\n" + article.body + "\n"


def export_articles(directory: str | Path, *, statuses=tuple(ArticleStatus.values)) -> int:
    """Write each article as ``DIRECTORY/<category>/<slug>.md`` (no category: at the top), front matter first:
    the layout ``import_articles`` reads. Returns the number of files written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    for article in (Article.objects.filter(status__in=list(statuses)).select_related("category")
                    .prefetch_related("tags").order_by("pk")):
        folder = directory / _folder_name(article.category.name) if article.category else directory
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{article.slug}.md").write_text(article_markdown(article), encoding="utf-8")
        written += 1
    return written
