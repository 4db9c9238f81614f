"""The demo's safety work: inspections due, open hazards with their notices, exactly one
past its deadline with its credit event, one waiting for re-inspection, one closed."""

from __future__ import annotations

from typing import Any

import pytest

from gridcrm.credit.models import CreditEvent
from gridcrm.demo.services import demo_build
from gridcrm.safety.demo import safety_demo_write
from gridcrm.safety.models import Hazard
from gridcrm.safety.selectors import hazards_listed, inspections_due
from gridcrm.users.models import User


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_the_demo_has_inspections_due_and_hazards_one_of_them_overdue() -> None:
    demo_build(customers=1500, seed=11)
    assert safety_demo_write(seed=11) > 0
    inspector = User.objects.get(username="inspector")
    due = inspections_due(user=inspector)
    assert due
    assert {row.customer.region.path.split(".")[1] for row in due} == {"YQ01"}
    open_hazards = list(hazards_listed(user=inspector))
    assert all(h.notice_id for h in open_hazards)
    overdue = [h for h in open_hazards if h.overdue_since]
    assert len(overdue) == 1
    assert CreditEvent.objects.get(kind="hazard_ignored").pk == overdue[0].credit_event_id
    statuses = sorted(Hazard.objects.values_list("status", flat=True))
    assert statuses == ["closed", "open", "open", "open", "reported"]
    assert not hazards_listed(user=User.objects.get(username="inspector2")).exists()
