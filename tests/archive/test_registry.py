"""The registry is the one list of customer fields, and its validation is strict."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gridcrm.archive.models import Customer, CustomField
from gridcrm.archive.registry import BUILT_IN, Category, Tier, all_specs, column_aliases, spec
from gridcrm.archive.validators import resident_id_is_valid, uscc_is_valid

# Columns that store bookkeeping or derived helpers, not customer attributes.
BOOKKEEPING = {
    "id",
    "phone_hash",
    "phone_alt_hash",
    "phone_last4_hash",
    "certificate_hash",
    "segment_override_reason",
    "extra",
    "account_manager",
    "portal_user",
    "completeness",
    "rules_fired",
    "search_bigrams",
    "version",
    "created_at",
    "updated_at",
}


def test_every_customer_column_is_declared_once_in_the_registry() -> None:
    columns = {f.name for f in Customer._meta.get_fields() if f.concrete and not f.auto_created} | {
        "id"
    }
    declared = [s.name for s in BUILT_IN]
    assert len(declared) == len(set(declared))
    assert set(declared) == columns - BOOKKEEPING


def test_every_category_has_fields_of_several_tiers() -> None:
    for category in Category:
        tiers = {s.tier for s in BUILT_IN if s.category == category}
        assert len(tiers) >= 2, category


@pytest.mark.parametrize(
    ("name", "raw", "stored"),
    [
        ("contracted_kva", " 315 ", 315),
        ("tou_applied", "是", True),
        ("tou_applied", "0", False),
        ("voltage_level", "10kV", "10kV"),
        ("employees", "", None),
        ("region", "YQ0101", None),  # replaced below by the station's primary key
    ],
)
def test_it_cleans_raw_values(name: str, raw: str, stored: object, regions: object) -> None:
    value = spec(name).clean(raw)
    if name == "region":
        assert isinstance(value, int)
    else:
        assert value == stored


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("contracted_kva", "abc"),
        ("contracted_kva", "-5"),
        ("voltage_level", "12kV"),
        ("phone", "12345"),
        ("account_no", "12345"),
        ("account_no", "=1+1"),
        ("industry_code", "Z9999"),
        ("certificate_no", "140302198001010010"),
        ("tou_applied", "maybe"),
        ("name", "x" * 201),
        ("region", "nowhere"),
    ],
)
def test_it_refuses_bad_values_with_a_message(name: str, raw: str, db: None) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(name).clean(raw)
    assert caught.value.messages


def test_identifier_checksums() -> None:
    assert resident_id_is_valid("11010519491231002X")
    assert not resident_id_is_valid("110105194912310021")
    assert uscc_is_valid("91350100M000100Y43")
    assert not uscc_is_valid("91350100M000100Y44")


def test_an_extension_field_joins_the_registry_and_is_validated(db: None) -> None:
    CustomField.objects.create(
        code="heating_type",
        label_zh="采暖方式",
        label_en="Heating",
        category=Category.BEHAVIOUR,
        tier=Tier.THREE,
        sensitivity="internal",
        kind=CustomField.Kind.CHOICE,
        choices=["集中供暖", "电采暖", "燃气"],
    )
    extension = spec("heating_type")
    assert extension.clean("电采暖") == "电采暖"
    with pytest.raises(ValidationError):
        extension.clean("烧炕")
    assert column_aliases(all_specs())["采暖方式"] == extension


def test_files_may_name_columns_by_code_or_either_label() -> None:
    aliases = column_aliases(BUILT_IN)
    assert aliases["account_no"].name == "account_no"
    assert aliases["户号"].name == "account_no"
    assert aliases["account number"].name == "account_no"


@pytest.mark.parametrize("name", ["name", "region", "contracted_kva", "address"])
def test_a_nul_character_is_refused_before_it_reaches_the_database(name: str, db: None) -> None:
    with pytest.raises(ValidationError):
        spec(name).clean("北大街\x00供电所")
