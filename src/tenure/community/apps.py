from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "tenure.community"
    label = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from tenure.community.models import Thread, WorkingGroup
        from tenure.users import audit

        # Posts change often and keep their own revisions; the thread's moderation-relevant fields are audited.
        audit.track(Thread, exclude=("reply_count", "vote_count", "last_activity_at"), account="account_id")
        audit.track(WorkingGroup)
