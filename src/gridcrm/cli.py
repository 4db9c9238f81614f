"""The ``gridcrm`` console script: Django's management commands under one name.

``gridcrm demo`` builds and serves the demo utility; every other argument is
passed to Django (``gridcrm migrate``, ``gridcrm db_worker`` …).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command; with no arguments, show the help."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcrm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gridcrm", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
