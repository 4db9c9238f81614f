"""Every UI string is translated into Simplified Chinese, the default language."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client

import gridcrm
from gridcrm.archive.models import Customer
from gridcrm.users.models import User

PACKAGE = Path(gridcrm.__file__).parent
PO = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _msgids(po: polib.POFile) -> set[tuple[str | None, str]]:
    # With the context: one English word may need two Chinese words (pgettext).
    return {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}


def test_the_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_the_compiled_catalogue_matches_the_source() -> None:
    source = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in polib.pofile(str(PO))
    }
    compiled = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.mofile(str(PO.with_suffix(".mo")))
    }
    compiled.pop((None, ""), None)
    assert compiled == {k: v for k, v in source.items() if k[1]}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    copy = tmp_path / "gridcrm"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore",
            "demo/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "DJANGO_SETTINGS_MODULE": "gridcrm.settings",
            "PATH": "/usr/bin:/bin",
            "GRIDCRM_VAR": str(tmp_path / "var"),
        },
    )
    fresh = _msgids(polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")))
    missing = fresh - _msgids(polib.pofile(str(PO)))
    assert missing == set(), "run makemessages and translate these"


def test_pages_are_chinese_by_default_and_english_on_request(
    agent: User, customer_a: Customer, client: Client
) -> None:
    client.force_login(agent)
    page = client.get(customer_a.get_absolute_url()).content.decode()
    assert "户号" in page
    assert "用电类别" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(customer_a.get_absolute_url()).content.decode()
    assert "account number" in page
    assert "户号" not in page


def test_an_english_browser_still_gets_chinese_until_the_user_switches(
    agent: User, client: Client
) -> None:
    client.force_login(agent)
    page = client.get("/customers/", headers={"accept-language": "en-US,en;q=0.9"})
    assert "户号" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "account number" in client.get("/customers/").content.decode()
