"""The Chinese catalogue speaks the project's words (GLOSSARY.md, kept in
``gridcrm/core/glossary.tsv``) and Chinese punctuation.

Each test reads the zh-Hans catalogue as the lead compiles it; ``catalogue_problems`` and
``punctuation_problems`` take any catalogue, so a corrected copy can be checked before
it is applied.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

import gridcrm

PACKAGE = Path(gridcrm.__file__).resolve().parent
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
GLOSSARY = PACKAGE / "core" / "glossary.tsv"

CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
# An ASCII comma, semicolon or colon after a Chinese character and before another (or
# before a placeholder that stands for Chinese words): "名称: %(name)s", "已保存,请刷新".
ASCII_PUNCTUATION = re.compile(rf"{CJK}[)）]?\s*[,;:]\s*(?={CJK}|%\(|\{{)")


def glossary() -> list[tuple[str, str, str | None]]:
    """(English term, 中文, msgctxt or None) for each line of the glossary file."""
    terms = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, chinese, *context = line.split("\t")
        terms.append((english, chinese, context[0] if context else None))
    return terms


def catalogue_problems(po: polib.POFile) -> list[str]:
    """Each translated msgid that is a glossary term (case aside) in the term's context
    but does not translate to the glossary's word."""
    problems = []
    wanted = {(english.casefold(), context): chinese for english, chinese, context in glossary()}
    for entry in po:
        if entry.obsolete or not entry.msgstr:
            continue
        chinese = wanted.get((entry.msgid.casefold(), entry.msgctxt))
        if chinese is not None and entry.msgstr != chinese:
            where = f"{entry.msgctxt}\\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            problems.append(f"{where!r} → {entry.msgstr!r}, the glossary says {chinese!r}")
    return problems


def punctuation_problems(po: polib.POFile) -> list[str]:
    """Each Chinese msgstr with an ASCII , ; or : inside Chinese text."""
    problems = []
    for entry in po:
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        for text in texts:
            match = ASCII_PUNCTUATION.search(text or "")
            if match is not None and not entry.obsolete:
                problems.append(f"{entry.msgid!r} → {text!r} (at {match.group(0)!r})")
    return problems


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def test_the_glossary_names_each_english_term_once_per_context() -> None:
    keys = [(english.casefold(), context) for english, _, context in glossary()]
    assert len(keys) == len(set(keys))
    assert len(keys) > 60


def test_every_glossary_term_in_the_catalogue_translates_as_the_glossary_says(
    catalogue: polib.POFile,
) -> None:
    assert catalogue_problems(catalogue) == []


def test_chinese_text_uses_chinese_commas_semicolons_and_colons(
    catalogue: polib.POFile,
) -> None:
    assert punctuation_problems(catalogue) == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("已保存,请刷新", True),
        ("户号: %(account)s", True),
        ("原因;其他", True),
        ("已保存，请刷新", False),
        ("10:00–12:00 错峰", False),
        ("合同容量(kVA)", False),
        ("%(a)s, %(b)s", False),
    ],
)
def test_the_punctuation_check_flags_ascii_marks_between_chinese_words(
    text: str, flagged: bool
) -> None:
    assert bool(ASCII_PUNCTUATION.search(text)) is flagged


def test_the_glossary_check_flags_a_term_translated_otherwise() -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Fault repair", msgstr="故障维修"))
    po.append(polib.POEntry(msgid="Residential", msgstr="居民"))
    po.append(polib.POEntry(msgid="Residential", msgctxt="tariff category", msgstr="居民"))
    problems = catalogue_problems(po)
    assert len(problems) == 2
    assert "故障维修" in problems[0]
    assert "tariff category" in problems[1]
