"""``tenure export articles DIR``: the knowledge base as a folder of Markdown files, the layout
``tenure import articles`` reads back."""

from django.core.management.base import BaseCommand

from tenure.knowledge.models import ArticleStatus
from tenure.knowledge.transfer import export_articles


class Command(BaseCommand):
    help = ("Export the knowledge base: each article as DIR/<category>/<slug>.md with its title, slug, status, "
            "visibility and tags in front matter. `tenure import articles DIR` reads it back.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["articles"], help="what to export")
        parser.add_argument("directory", help="the folder to write (made if missing; files of the same name are "
                                              "overwritten)")
        parser.add_argument("--status", action="append", choices=ArticleStatus.values, dest="statuses",
                            help="only articles of this status; repeat for several (default: all)")

    def handle(self, *args, kind, directory, statuses, **options):
        written = export_articles(directory, statuses=tuple(statuses or ArticleStatus.values))
        self.stdout.write(f"{written} article{'s' if written != 1 else ''} written to {directory}")
