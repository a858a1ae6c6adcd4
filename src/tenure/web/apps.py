import gc

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tenure.web"
    label = "web"

    def ready(self):
        # Registers the background jobs with huey, for `tenure serve` and `tenure worker` alike.
        import tenure.jobs  # noqa: F401

        # A Tenure process holds a large heap that lives as long as it does (Django, the rooms, URL and template
        # caches): kept out of the collector's passes, and the young objects of a refresh batch or a request
        # collected in larger steps, a refresh spends about a fifth less time (bench/refresh.py).
        gc.freeze()
        gc.set_threshold(50_000, 20, 10)
