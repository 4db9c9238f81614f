"""One formatting policy: numbers grouped by "," in both languages, units from one place,
ratios as percentages, one date and one date-time format, codes and people in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import pgettext

from gridcrm.archive.choices import Segment
from gridcrm.core import formats
from gridcrm.users.models import User

LANGUAGES = ["zh-hans", "en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_group_thousands_with_commas_in_both_languages(language: str) -> None:
    with translation.override(language):
        assert formats.number(206358102) == "206,358,102"
        assert formats.number(5000.0) == "5,000"
        assert formats.number(Decimal("0.841"), 2) == "0.84"
        assert formats.number(1234.5) == "1,234.5"
        assert formats.number(None) == "—"


@pytest.mark.parametrize("language", LANGUAGES)
def test_intcomma_in_templates_groups_thousands_in_both_languages(language: str) -> None:
    # Django's own zh-Hans format groups nothing (206358102); the project's does.
    with translation.override(language):
        text = Template("{% load humanize %}{{ n|intcomma }} {{ x|num }}").render(
            Context({"n": 206358102, "x": 5000.0})
        )
    assert text == "206,358,102 5,000"


def test_a_quantity_carries_its_unit_and_no_trailing_zero() -> None:
    with translation.override("en"):
        assert formats.quantity(5000.0, "kVA") == "5,000 kVA"
        assert formats.quantity(1234567, "kWh", 0) == "1,234,567 kWh"
    with translation.override("zh-hans"):
        assert formats.quantity(5000.0, "kVA") == f"5,000 {pgettext('unit', 'kVA')}"
        assert formats.quantity(None, "kW") == "—"


def test_ratios_show_as_percentages_with_a_sign_for_changes() -> None:
    assert formats.percent(-0.075, signed=True) == "\u22127.5 %"
    assert formats.percent(0.03, signed=True) == "+3.0 %"
    assert formats.percent(0.125) == "12.5 %"
    assert formats.percent(None) == "—"
    rendered = Template("{{ r|pct_change }}").render(Context({"r": -0.075}))
    assert rendered == "\u22127.5 %"


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_date_and_one_date_time_format_whatever_the_way_a_template_asks(
    language: str,
) -> None:
    moment = dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
    with translation.override(language):
        assert formats.date(dt.date(2026, 11, 24)) == "2026-11-24"
        assert formats.datetime(moment) == "2026-11-24 09:30"
        assert formats.date(moment) == "2026-11-24"
        text = Template("{{ d }} · {{ d|date }} · {{ m|when }} · {{ d|day }}").render(
            Context({"d": dt.date(2026, 11, 24), "m": moment})
        )
    assert text == "2026-11-24 · 2026-11-24 · 2026-11-24 09:30 · 2026-11-24"


def test_a_code_shows_as_its_label_and_an_unknown_code_as_itself() -> None:
    with translation.override("en"):
        assert formats.label_of(Segment, "industrial") == "Industrial"
        assert formats.label_of(Segment, "martian") == "martian"
        assert formats.label_of(Segment, "") == "—"


def test_a_person_shows_by_full_name_and_by_login_only_without_one() -> None:
    assert formats.person(User(username="kam2", full_name="陈静")) == "陈静"
    assert formats.person(User(username="kam2")) == "kam2"
    assert formats.person(None) == "—"


def test_lists_join_the_language_s_way() -> None:
    with translation.override("en"):
        assert formats.listing(["a", "b"]) == "a, b"
    with translation.override("zh-hans"):
        assert formats.listing(["甲", "乙"]) == pgettext("list separator", ", ").join(["甲", "乙"])
