"""`tenure import articles PATH` and `tenure export articles DIR`: a knowledge base moved in through the services,
idempotent by slug, and written back in the same layout."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tenure.knowledge.models import Article, ArticleStatus, Category
from tenure.knowledge.transfer import import_articles
from tenure.users.models import AuditEntry
from tests.knowledge.builders import make_article

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "kb"
    (root / "Getting started" / "deeper").mkdir(parents=True)
    (root / "Billing").mkdir()
    (root / "Getting started" / "invite-your-team.md").write_text("# Invite your team\n\nOpen **Settings**.\n")
    (root / "Getting started" / "deeper" / "sso.md").write_text(
        "---\ntitle: \"Single sign-on: set up\"\nslug: sso-setup\ntags: security, admin\nstatus: draft\n---\n"
        "Ask your IdP admin.\n")
    (root / "Billing" / "change_plan.markdown").write_text("No heading here, the file name gives the title.\n")
    (root / "welcome.md").write_text("# Welcome\n\nHello.\n")
    (root / "logo.png").write_bytes(b"\x89PNG")
    (root / "broken.md").write_bytes(b"\xff\xfe\x00bad")
    (root / "Billing" / "empty-title.md").write_text("---\ntitle: \"\"\nstatus: gone\n---\nBody\n")
    return root


def test_a_folder_of_markdown_is_imported_with_categories_titles_and_reasons_for_skips(folder):
    out, err = run("import", "articles", str(folder))
    assert "articles from" in out and "4 created, 0 updated, 0 unchanged, 3 skipped" in out
    assert "skipped logo.png: not a Markdown file" in err
    assert "skipped broken.md: not UTF-8 text" in err
    assert "skipped Billing/empty-title.md: status 'gone' is not one of" in err
    invite = Article.objects.get(slug="invite-your-team")
    assert (invite.title, invite.body, invite.category.name, invite.status) == (
        "Invite your team", "Open **Settings**.", "Getting started", ArticleStatus.PUBLISHED)
    sso = Article.objects.get(slug="sso-setup")
    assert (sso.title, sso.category.name, sso.status) == ("Single sign-on: set up", "Getting started", "draft")
    assert sorted(t.name for t in sso.tags.all()) == ["admin", "security"]
    assert Article.objects.get(slug="change_plan").title == "Change plan"
    assert Article.objects.get(slug="welcome").category is None
    assert sorted(Category.objects.values_list("name", flat=True)) == ["Billing", "Getting started"]
    assert AuditEntry.objects.filter(model="knowledge.article", actor_label="import of articles from kb").count() == 4


def test_re_importing_changes_nothing_and_an_edited_file_updates_its_article(folder):
    run("import", "articles", str(folder))
    out, _ = run("import", "articles", str(folder))
    assert "0 created, 0 updated, 4 unchanged" in out
    assert Article.objects.get(slug="welcome").revisions.count() == 1
    (folder / "welcome.md").write_text("# Welcome aboard\n\nHello again.\n")
    out, _ = run("import", "articles", str(folder))
    assert "0 created, 1 updated, 3 unchanged" in out
    welcome = Article.objects.get(slug="welcome")
    assert (welcome.title, welcome.body, welcome.revisions.count()) == ("Welcome aboard", "Hello again.", 2)


def test_a_csv_with_title_body_and_category(tmp_path):
    path = tmp_path / "articles.csv"
    path.write_text("Title,Body,Category\nExport data,\"Use **Export**.\nThen wait.\",Reports\n,no title,Reports\n"
                    "Export data,duplicate slug,Reports\n")
    report = import_articles(path)
    assert report.summary() == "1 created, 0 updated, 0 unchanged, 2 skipped"
    assert report.skipped == [("line 3", "no title"), ("line 4", "slug 'export-data' appears twice in this import")]
    article = Article.objects.get(slug="export-data")
    assert (article.body, article.category.name) == ("Use **Export**.\nThen wait.", "Reports")
    assert import_articles(path).summary() == "0 created, 0 updated, 1 unchanged, 2 skipped"


def test_a_csv_without_the_columns_is_refused_with_words(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("name,text\nA,B\n")
    with pytest.raises(CommandError, match="needs title and body columns"):
        run("import", "articles", str(path))
    with pytest.raises(CommandError, match="no such file or folder"):
        run("import", "articles", str(tmp_path / "missing"))


def test_export_writes_the_layout_the_import_reads_back(tmp_path, folder):
    run("import", "articles", str(folder))
    make_article("Made in Tenure", "Line one\r\nLine two", visibility="segment", audience_value="Enterprise",
                 tags=["vip"])
    out, _ = run("export", "articles", str(tmp_path / "out"))
    assert out.startswith("5 articles written")
    written = (tmp_path / "out" / "Getting started" / "sso-setup.md").read_text()
    assert written.startswith("---\ntitle: Single sign-on: set up\nslug: sso-setup\nstatus: draft\n")
    assert (tmp_path / "out" / "made-in-tenure.md").exists()
    before = {a.slug: (a.title, a.body, a.category_id, a.status, a.visibility, a.audience_value)
              for a in Article.objects.all()}
    report = import_articles(tmp_path / "out")
    assert report.summary() == "0 created, 0 updated, 5 unchanged, 0 skipped"
    assert before == {a.slug: (a.title, a.body, a.category_id, a.status, a.visibility, a.audience_value)
                      for a in Article.objects.all()}
