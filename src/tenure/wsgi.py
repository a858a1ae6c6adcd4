import importlib
import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
application = get_wsgi_application()

# Libraries a page needs that take long to import the first time (scikit-learn's AUC for the health back-test:
# about 1.7 s), imported beside the first requests rather than inside one of them: the process is ready at once,
# and the first person to open Team health does not wait for the import.
WARM = ("sklearn.metrics",)


def _warm() -> None:
    for name in WARM:
        importlib.import_module(name)


threading.Thread(target=_warm, name="tenure-warm-imports", daemon=True).start()
