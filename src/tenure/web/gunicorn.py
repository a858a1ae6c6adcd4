"""Several web processes: gunicorn, run from `tenure serve --processes N` (the same settings a production
command line would give it; see the README's deployment section)."""

from gunicorn.app.base import BaseApplication


class _Tenure(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from tenure.wsgi import application

        return application


def serve(*, host: str, port: int, processes: int, threads: int) -> None:
    _Tenure({
        "bind": f"{host}:{port}",
        "workers": processes,
        "threads": threads,
        "worker_class": "gthread",
        "keepalive": 30,  # the event SDKs keep their connection open between batches
        "timeout": 120,  # a worker silent this long is replaced
        "graceful_timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "tenure-web",
    }).run()
