"""The walls between apps, kept true by reading the source.

Apps read each other through selectors and write through services; they never import
another app's models (foreign keys name models by string, types go under
``TYPE_CHECKING``), domain code never imports the web layer, and no app's SQL or
migration touches another app's tables. Tests and benchmarks may cross freely.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "gridcrm"
APPS = sorted(p.name for p in SRC.iterdir() if (p / "apps.py").is_file())
SHARED = {"core"}
"""Apps every app may import whole: the shared kernel (errors, audit, extension points)."""
UI_MODULES = {"views", "api", "forms", "urls", "admin", "context_processors"}
"""Modules of the web layer, which may import ``gridcrm.web``; every other one is domain code.
A module named ``<part>_views`` / ``<part>_api`` (or ``api_<part>``) is a piece of one of them,
and so is a template tag library (``templatetags/``): it draws pages."""


def _is_ui_module(module: str) -> bool:
    return (
        module in UI_MODULES
        or module.endswith(("_views", "_api", "_forms"))
        or module.startswith("api_")
    )


@dataclass(frozen=True)
class Crossing:
    module: str
    line: int
    target: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, dotted target) of every import outside ``if TYPE_CHECKING:``, lazy ones too."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for inner in node.body:
                skip.update(id(n) for n in ast.walk(inner))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _modules() -> Iterator[tuple[str, str, Path]]:
    """(app, module name within the app, path) of every source file outside migrations."""
    for app in APPS:
        for path in sorted((SRC / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield app, path.stem, path


def _parts(target: str) -> list[str]:
    return target.split(".")


def crossings() -> list[Crossing]:
    found = []
    for app, module, path in _modules():
        name = str(path.relative_to(SRC.parent))
        for line, target in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            parts = _parts(target)
            if len(parts) < 3 or parts[0] != "gridcrm" or parts[1] not in APPS:
                continue
            other = parts[1]
            if other == app or other in SHARED:
                continue
            if parts[2] == "models":
                found.append(Crossing(name, line, target))
            elif other == "web" and not (_is_ui_module(module) or "templatetags" in path.parts):
                found.append(Crossing(name, line, target))
    return found


def test_no_app_imports_another_apps_models_and_no_domain_code_imports_web() -> None:
    assert [str(c) for c in crossings()] == []


def _table_names() -> dict[str, str]:
    """Database table name → owning app, from each app's models module (``<app>_<model>``)."""
    tables = {}
    for app in APPS:
        models = SRC / app / "models.py"
        if not models.is_file():
            continue
        for node in ast.walk(ast.parse(models.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                tables[f"{app}_{node.name.lower()}"] = app
    return tables


_SQL = re.compile(r"\b(select|update|insert|delete|join|from|trigger|create|alter|copy)\b", re.I)


def _sql_strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, text) of every string constant that reads like SQL."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _SQL.search(node.value):
                yield node.lineno, node.value


def test_no_sql_or_migration_touches_another_apps_tables() -> None:
    tables = _table_names()
    pattern = re.compile(r"\b(" + "|".join(sorted(tables, key=len, reverse=True)) + r")\b")
    found = []
    for app in APPS:
        for path in sorted((SRC / app).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, text in _sql_strings(tree):
                for table in pattern.findall(text):
                    if tables[table] != app:
                        found.append(f"{path.relative_to(SRC.parent)}:{line} uses {table}")
    assert found == []


def test_the_jobs_app_names_no_other_apps_job_kinds() -> None:
    # Each app declares its kinds in its own tasks.py; the jobs app only runs them.
    sources = [
        p.read_text(encoding="utf-8")
        for p in (SRC / "jobs").rglob("*.py")
        if "migrations" not in p.parts
    ]
    for kind in ("export_customers", "import_customers", "lake_import", "credit_rating"):
        assert not any(kind in source for source in sources), kind


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from gridcrm.service.models import ServiceRequest",
            ["gridcrm.service.models.ServiceRequest"],
        ),
        ("from gridcrm.service import models", ["gridcrm.service.models"]),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from gridcrm.service.models import ServiceRequest",
            ["typing.TYPE_CHECKING"],
        ),
        (
            "def f():\n    from gridcrm.web.http import AuthedRequest",
            ["gridcrm.web.http.AuthedRequest"],
        ),
    ],
)
def test_the_checker_sees_every_kind_of_import(source: str, expected: list[str]) -> None:
    assert [t for _line, t in _runtime_imports(ast.parse(source))] == expected
