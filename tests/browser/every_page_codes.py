"""The raw codes that must not show on a page: the values of every app's TextChoices and
of the other code lists the UI turns into words, found in a page's text as whole words.

- A code with an underscore or a digit (``large_industry``, ``class_1``, ``kam2``) is
  never a word: it fails a page in either language.
- A code that is a plain English word (``thief``, ``shift``, ``residential``) fails only a
  Chinese page: on an English page the same word is ordinary text.
- Values that read the same as their label (grades ``AAA``, ``220V``, ``hours``) and
  values that are not lower-case identifiers are no codes a user could stumble on.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from django.db import models
from django.utils import translation

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")

# Codes of lists that are not TextChoices: (module, attribute).
OTHER_CODE_LISTS = (
    ("gridcrm.credit.services.policies", "WATCH_ACTIONS"),  # extra_reminders, field_check …
    ("gridcrm.lake.demo_facts", "RISK_CLASSES"),  # the demo's hidden thief, drifter …
    ("gridcrm.load.optimise", "ACTIONS"),  # shift, avoid, limit
    ("gridcrm.demo.services", "DEMO_USERNAMES"),  # people by name, not kam2
)
OTHER_CODES = ("in_app",)  # the portal inbox channel (load.ScheduleNotice, notices)

# Codes that may show anywhere, each with why (a word that is also a code).
ALLOWED: dict[str, str] = {}

# Codes that are the content of one page, each with why.
ALLOWED_ON: dict[str, dict[str, str]] = {
    "customer import": {
        # The import page names the columns a file must have; they are typed as shown.
        "phone": "a column name of the import file",
        "region": "a column name of the import file",
        "transformer_area": "a column name of the import file",
    },
}

# AWAITING: codes still on a page until the work that turns them into words lands.
# Empty since issue 16's branches were merged; the test guards every page.
AWAITING: dict[str, set[str]] = {}


def _choices_classes() -> list[type[models.TextChoices]]:
    import gridcrm

    for module in pkgutil.walk_packages(gridcrm.__path__, "gridcrm."):
        # TextChoices live in the models, choices and registry modules of the apps.
        if re.search(r"(models|choices|registry)[^.]*$", module.name) and ".migrations" not in (
            module.name
        ):
            importlib.import_module(module.name)

    def below(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *below(sub))]

    return [c for c in below(models.TextChoices) if c.__module__.startswith("gridcrm.")]


@cache
def code_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(codes failing any page, codes failing a Chinese page)."""
    codes: set[str] = set(OTHER_CODES)
    with translation.override("en"):
        for cls in _choices_classes():
            for choice in cls:
                if str(choice.value) != str(choice.label):
                    codes.add(str(choice.value))
    for module, name in OTHER_CODE_LISTS:
        codes.update(getattr(importlib.import_module(module), name))
    codes = {c for c in codes if IDENTIFIER.fullmatch(c)} - set(ALLOWED)
    strict = frozenset(c for c in codes if re.search(r"[_0-9]", c))
    return strict, frozenset(codes) - strict


def codes_in(text: str, *, language: str, page: str) -> set[str]:
    """The codes that ``text`` shows as whole words."""
    strict, words = code_lists()
    candidates = strict | (words if language.startswith("zh") else frozenset())
    found = set(re.findall(r"(?<![A-Za-z0-9_])[a-z][a-z0-9_]*(?![A-Za-z0-9_])", text))
    return (found & candidates) - AWAITING.get(page, set()) - set(ALLOWED_ON.get(page, {}))
