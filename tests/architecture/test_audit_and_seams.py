"""Audit rows are written in one place per app, and the extension points are the only seams.

Every app's audit table derives from ``core.audit.AuditEvent`` and is written by the named
functions of that app's ``events.py`` (or ``<part>_events.py``), called by its services
inside their transactions (each app's ``tests/<app>/test_events.py`` calls the services
and checks the rows). Read here from the source: no other module constructs an audit
row, except the archive's bulk paths, which write history rows by the thousand in the
same transaction as the customers they change (the import, and the demo standing in
for one).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps

from gridcrm.core.audit import AuditEvent

SRC = Path(__file__).resolve().parents[2] / "src" / "gridcrm"
BULK_WRITERS = ("archive/imports/", "archive/demo/")
"""Modules that write history rows in bulk, in the transaction of the change they record."""


def _audit_models() -> dict[str, str]:
    """Audit model class name → its app label."""
    return {
        model.__name__: model._meta.app_label
        for model in apps.get_models()
        if issubclass(model, AuditEvent)
    }


def test_every_app_with_state_changes_has_an_audit_table_and_events_module() -> None:
    owners = set(_audit_models().values())
    assert owners >= {"archive", "service", "credit", "keyaccounts", "load", "users"}
    for app in owners:
        assert (SRC / app / "events.py").is_file(), app


def test_audit_rows_are_constructed_only_in_their_apps_events_module() -> None:
    models = _audit_models()
    # Not after a dot: ``threading.Event()`` is not the key-account app's ``Event``.
    pattern = re.compile(
        r"(?<![.\w])(" + "|".join(models) + r")(\(|\.objects\.(create|bulk_create))"
    )
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "migrations" in relative or relative.startswith(BULK_WRITERS):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                name = match.group(1)
                in_events = relative.startswith(f"{models[name]}/") and path.stem.endswith("events")
                if line.lstrip().startswith("class ") or (in_events and "models" not in path.stem):
                    continue
                found.append(f"{relative}:{number} writes {name}")
    assert found == []


def test_the_audit_rows_name_the_person_acting_user_everywhere() -> None:
    for model in apps.get_models():
        if issubclass(model, AuditEvent):
            names = {f.name for f in model._meta.get_fields()}
            assert "acting_user" in names, model.__name__
            assert "actor" not in names, model.__name__


OLD_SEAMS = (
    "register_panel",
    "request_observer_add",
    "credit_grade_provider_set",
    "credit_terms_provider_set",
    "use_tou_clock",
)


def test_apps_plug_into_each_other_only_through_the_extension_points() -> None:
    # The five ad-hoc seams are gone; a module-level ``global`` that swaps a callback is
    # how they worked, so none may come back.
    found = []
    for path in sorted(SRC.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        relative = path.relative_to(SRC).as_posix()
        found += [f"{relative}: {name}" for name in OLD_SEAMS if name in source]
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Global):
                found.append(f"{relative}:{node.lineno} global {', '.join(node.names)}")
    assert found == []
