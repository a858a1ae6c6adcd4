"""The ``tenure`` command: Django's management commands under one name.

``tenure migrate``, ``tenure createsuperuser``, ``tenure serve``, ``tenure demo``, ``tenure import …``:
each subcommand is a management command in one of Tenure's rooms or in Django itself.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "tenure"
    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:  # a missing or refused setting: say which, not a traceback
        sys.stderr.write(f"tenure: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
