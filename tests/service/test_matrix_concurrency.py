"""Two marketing managers publishing the matrix at the same moment both succeed, with two
different version numbers (PostgreSQL: SQLite runs one writer at a time)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from gridcrm.service.matrix import matrix_current, matrix_publish, rule_as_dict
from gridcrm.service.models import MatrixVersion, ServiceEvent
from gridcrm.users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_publishes_get_two_numbers_and_both_succeed(manager: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    current = matrix_current()
    assert current is not None
    rules = [rule_as_dict(r) for r in current.rules.all()]
    barrier = threading.Barrier(2)
    numbers: list[int] = []
    failures: list[BaseException] = []

    def publish(note: str) -> None:
        try:
            barrier.wait(timeout=10)
            numbers.append(matrix_publish(rules=rules, note=note, acting_user=manager).number)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(note,)) for note in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(numbers) == [current.number + 1, current.number + 2]
    for number in numbers:
        version = MatrixVersion.objects.get(number=number)
        assert version.rules.count() == len(rules)
        assert ServiceEvent.objects.filter(matrix_version=version).count() == 1
