from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tenure.web"
    label = "web"

    def ready(self):
        # Registers the background jobs with huey, for `tenure serve` and `tenure worker` alike.
        import tenure.jobs  # noqa: F401
