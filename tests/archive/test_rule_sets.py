"""Rule sets are published versions: numbered one after another, also when two managers
publish at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from gridcrm.archive.models import RuleSetVersion
from gridcrm.archive.rule_sets import RuleRow, rule_rows_validate, rules_publish
from gridcrm.core.errors import Invalid
from gridcrm.users.roles import Role
from tests.conftest import make_user

RULE = {
    "code": "public_outage",
    "conditions": [{"field": "segment", "op": "eq", "value": "public_utility"}],
    "target": "outage_sensitivity",
    "value": "1.5",
}


def test_a_rule_row_is_one_shape_for_every_door(db: None) -> None:
    (row,) = rule_rows_validate([{**RULE, "priority": ""}])
    assert row == RuleRow.model_validate({**RULE, "priority": 100, "raise_only": True})
    with pytest.raises(Invalid) as caught:
        rule_rows_validate([RULE, {**RULE, "conditions": []}, RULE])
    assert caught.value.code == "archive.invalid_rules"
    assert list(caught.value.fields) == ["2.conditions"]
    with pytest.raises(Invalid) as caught:
        rule_rows_validate([RULE, RULE])
    assert list(caught.value.fields) == ["code"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_publishes_get_two_numbers(regions: object) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    manager = make_user("manager", Role.MARKETING_MANAGER)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def publish(note: str) -> None:
        try:
            start.wait()
            rules_publish(rules=[RULE], note=note, acting_user=manager)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish, args=(f"v{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(RuleSetVersion.objects.values_list("number", flat=True)) == [1, 2]
