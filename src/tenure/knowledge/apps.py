from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "tenure.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from tenure.knowledge.models import Article, Attachment, Category, Tag
        from tenure.users import audit

        # The rendered forms of the body are derived from it: the body's own change is the one worth reading.
        audit.track(Article, exclude=("body_html", "body_text"))
        audit.track(Category)
        audit.track(Tag)
        audit.track(Attachment)
