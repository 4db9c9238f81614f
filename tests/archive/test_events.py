"""Every write of the archive records its event in the same transaction, naming the acting
user; a refused write records nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from gridcrm.archive.credit_lists import credit_list_import
from gridcrm.archive.errors import ChangeRequestDecided
from gridcrm.archive.models import (
    ArchiveEvent,
    Customer,
    CustomField,
    DisclosureEvent,
    FieldChange,
)
from gridcrm.archive.services import (
    change_request_approve,
    change_request_reject,
    change_request_submit,
    custom_field_save,
    customer_contact_reveal,
    customer_update,
    rules_publish,
)
from gridcrm.core.errors import Invalid, Refused
from gridcrm.core.extensions import CUSTOMERS_CHANGED
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import make_user

RULE = {
    "code": "public_outage",
    "conditions": [{"field": "segment", "op": "eq", "value": "public_utility"}],
    "target": "outage_sensitivity",
    "value": "1.5",
}


def kinds() -> list[str]:
    return list(ArchiveEvent.objects.order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def followed() -> Iterator[list[tuple[list[int], frozenset[str]]]]:
    """What the followers of customer changes were told."""
    told: list[tuple[list[int], frozenset[str]]] = []

    def follower(ids: Sequence[int], fields: frozenset[str]) -> None:
        told.append((list(ids), fields))

    CUSTOMERS_CHANGED.register("test", follower)
    yield told
    CUSTOMERS_CHANGED.unregister("test")


def test_an_edit_records_each_field_with_the_acting_user_and_tells_the_followers(
    agent: User, customer_a: Customer, followed: list[tuple[list[int], frozenset[str]]]
) -> None:
    customer_update(
        customer=customer_a,
        changes={"transformer_area": "德胜街1号台区"},
        acting_user=agent,
        expected_version=customer_a.version,
    )
    change = FieldChange.objects.get(field="transformer_area")
    assert (change.acting_user, change.new_value, change.kind) == (
        agent,
        "德胜街1号台区",
        "entered",
    )
    assert followed == [([customer_a.pk], frozenset({"transformer_area"}))]


def test_a_revealed_phone_is_a_disclosure_and_a_refused_one_is_none(
    agent: User, customer_a: Customer
) -> None:
    planner = make_user("planner", Role.DEMAND_PLANNER)
    with pytest.raises(Refused):
        customer_contact_reveal(
            customer=customer_a, acting_user=planner, channel=DisclosureEvent.Kind.WEB
        )
    assert not DisclosureEvent.objects.exists()
    customer_contact_reveal(
        customer=customer_a, acting_user=agent, channel=DisclosureEvent.Kind.API
    )
    seen = DisclosureEvent.objects.get()
    assert (seen.acting_user, seen.kind, seen.fields, seen.customer) == (
        agent,
        "api",
        "phone",
        customer_a,
    )


def test_a_change_request_records_its_submission_and_its_decision(
    agent: User, archivist: User, customer_a: Customer
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="contracted_kva",
        new_value="12",
        reason="增容",
        acting_user=agent,
    )
    assert kinds() == ["change_requested"]
    with pytest.raises(Refused):
        change_request_approve(request=change, acting_user=agent)  # four eyes
    assert kinds() == ["change_requested"]
    change_request_approve(request=change, acting_user=archivist, note="手续齐全")
    approved = ArchiveEvent.objects.get(kind="change_approved")
    assert (approved.acting_user, approved.customer, approved.details["field"]) == (
        archivist,
        customer_a,
        "contracted_kva",
    )
    assert FieldChange.objects.get(field="contracted_kva").change_request == change
    with pytest.raises(ChangeRequestDecided):
        change_request_reject(request=change, acting_user=archivist, note="x")
    assert kinds() == ["change_requested", "change_approved"]


def test_a_rejection_without_a_reason_records_nothing(
    agent: User, archivist: User, customer_a: Customer
) -> None:
    change = change_request_submit(
        customer=customer_a,
        field="contracted_kva",
        new_value="12",
        reason="增容",
        acting_user=agent,
    )
    with pytest.raises(Invalid):
        change_request_reject(request=change, acting_user=archivist, note="")
    change_request_reject(request=change, acting_user=archivist, note="无增容手续")
    rejected = ArchiveEvent.objects.get(kind="change_rejected")
    assert (rejected.acting_user, rejected.details["note"]) == (archivist, "无增容手续")


def test_publishing_rules_records_the_version_and_a_refused_publish_records_nothing(
    agent: User,
) -> None:
    manager = make_user("manager", Role.MARKETING_MANAGER)
    with pytest.raises(Refused) as caught:
        rules_publish(rules=[RULE], note="v1", acting_user=agent)
    assert caught.value.code == "archive.may_not_manage_rules"
    assert kinds() == []
    version = rules_publish(rules=[RULE], note="v1", acting_user=manager)
    event = ArchiveEvent.objects.get()
    assert (event.kind, event.acting_user, event.details["version"]) == (
        "rule_set_published",
        manager,
        version.number,
    )
    assert (version.published_by, version.number) == (manager, 1)
    assert rules_publish(rules=[RULE], note="v2", acting_user=manager).number == 2


def test_a_credit_list_and_an_extension_field_are_recorded(
    archivist: User, customer_b: Customer
) -> None:
    credit_list_import(
        text=f"certificate_no,list_name\n{customer_b.certificate_no},名单\n",
        source="信用中国",
        acting_user=archivist,
    )
    imported = ArchiveEvent.objects.get(kind="credit_list_imported")
    assert (imported.acting_user, imported.details["matched_customers"]) == (archivist, 1)

    admin = make_user("admin", Role.ADMINISTRATOR)
    field = CustomField(
        code="roof_area",
        label_zh="屋顶面积",
        label_en="roof area",
        category="equipment",
        tier=2,
        sensitivity="internal",
        kind=CustomField.Kind.DECIMAL,
    )
    with pytest.raises(Refused):
        custom_field_save(custom_field=field, acting_user=archivist)
    assert not CustomField.objects.exists()
    custom_field_save(custom_field=field, acting_user=admin)
    field.label_en = "usable roof area"
    custom_field_save(custom_field=field, acting_user=admin)
    assert kinds()[-2:] == ["custom_field_added", "custom_field_changed"]
