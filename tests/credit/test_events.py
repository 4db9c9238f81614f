"""Every change of credit data writes its audit event in its transaction, and a refused
change writes none: credit events and hazard rectification, overrides, reviews,
published policies and scorecards, model choices, rating runs; the 360° timeline."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from gridcrm.archive.models import Customer
from gridcrm.core.errors import Conflict, Invalid, Refused
from gridcrm.core.extensions import customer_timeline
from gridcrm.credit.expert import DEFAULT_MATRIX
from gridcrm.credit.models import (
    CreditAuditEvent,
    CreditEvent,
    EventKind,
    GradeChange,
    PolicyVersion,
)
from gridcrm.credit.services import (
    DEFAULT_POLICY,
    credit_batch_start,
    credit_event_record,
    credit_rate_all,
    expert_publish,
    hazard_rectified,
    override_decide,
    override_request,
    policy_publish,
    review_request_answer,
    review_request_submit,
    segment_model_set,
)
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import make_user
from tests.credit.conftest import AS_OF, LakeWriter

pytestmark = pytest.mark.django_db

Kind = CreditAuditEvent.Kind


def kinds() -> list[str]:
    return list(CreditAuditEvent.objects.order_by("pk").values_list("kind", flat=True))


def hazard(customer: Customer, user: User) -> CreditEvent:
    return credit_event_record(
        customer=customer,
        kind=EventKind.HAZARD_IGNORED,
        occurred_on=date(2025, 1, 10),
        acting_user=user,
    )


def test_recording_a_credit_event_writes_its_event(customer_a: Customer, manager: User) -> None:
    event = hazard(customer_a, manager)

    row = CreditAuditEvent.objects.get()
    assert (row.kind, row.customer, row.acting_user) == (Kind.EVENT_RECORDED, customer_a, manager)
    assert row.details["event"] == event.pk


def test_a_refused_credit_event_writes_nothing(customer_a: Customer, outsider: User) -> None:
    with pytest.raises(Refused) as refused:
        hazard(customer_a, outsider)

    assert refused.value.code == "credit.not_allowed"
    assert not CreditEvent.objects.exists()
    assert not CreditAuditEvent.objects.exists()


def test_hazard_rectification_goes_through_the_service_and_is_recorded(
    customer_a: Customer, manager: User
) -> None:
    event = hazard(customer_a, manager)

    hazard_rectified(event=event, on=date(2025, 6, 1), acting_user=manager)
    with pytest.raises(Conflict) as again:
        hazard_rectified(event=event, on=date(2025, 6, 2), acting_user=manager)

    event.refresh_from_db()
    assert event.resolved_on == date(2025, 6, 1)
    assert again.value.code == "credit.hazard_rectified_already"
    assert kinds() == [Kind.EVENT_RECORDED, Kind.HAZARD_RECTIFIED]
    rectified = CreditAuditEvent.objects.get(kind=Kind.HAZARD_RECTIFIED)
    assert (rectified.acting_user, rectified.details["rectified_on"]) == (manager, "2025-06-01")


def test_only_a_hazard_notice_is_rectified_and_not_in_the_future(
    customer_a: Customer, manager: User
) -> None:
    theft = credit_event_record(
        customer=customer_a, kind=EventKind.THEFT, occurred_on=AS_OF, acting_user=manager
    )
    notice = hazard(customer_a, manager)

    with pytest.raises(Invalid) as not_a_hazard:
        hazard_rectified(event=theft, on=AS_OF, acting_user=manager)
    with pytest.raises(Invalid) as future:
        hazard_rectified(
            event=notice, on=timezone.localdate() + timedelta(days=1), acting_user=manager
        )

    assert not_a_hazard.value.code == "credit.not_a_hazard"
    assert future.value.code == "credit.rectified_on_invalid"
    assert not CreditEvent.objects.filter(resolved_on__isnull=False).exists()


def test_the_credit_panel_rectifies_a_hazard(
    client: Client, customer_a: Customer, manager: User
) -> None:
    event = hazard(customer_a, manager)
    client.force_login(manager)

    panel = client.get(reverse("credit:customer_panel", args=[customer_a.account_no]))
    response = client.post(
        reverse("credit:hazard_rectified", args=[event.pk]), {"on": "2025-06-01"}
    )

    assert b'data-testid="hazard-rectify"' in panel.content
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.resolved_on == date(2025, 6, 1)
    assert CreditAuditEvent.objects.filter(kind=Kind.HAZARD_RECTIFIED).count() == 1


def test_the_api_rectifies_a_hazard_and_answers_a_second_time_with_a_conflict(
    client: Client, customer_a: Customer, manager: User
) -> None:
    event = hazard(customer_a, manager)
    client.force_login(manager)
    url = f"/api/credit/events/{event.pk}/rectified"

    first = client.post(url, {"on": "2025-06-01"}, content_type="application/json")
    second = client.post(url, {"on": "2025-06-01"}, content_type="application/json")

    assert (first.status_code, first.json()["resolved_on"]) == (200, "2025-06-01")
    assert (second.status_code, second.json()["code"]) == (
        409,
        "credit.hazard_rectified_already",
    )


def test_a_collector_of_another_region_cannot_rectify(
    client: Client, customer_b: Customer, manager: User, collector_a: User
) -> None:
    event = hazard(customer_b, manager)
    client.force_login(collector_a)

    response = client.post(
        f"/api/credit/events/{event.pk}/rectified",
        {"on": "2025-06-01"},
        content_type="application/json",
    )

    assert response.status_code in (403, 404)
    assert not CreditAuditEvent.objects.filter(kind=Kind.HAZARD_RECTIFIED).exists()


def test_overrides_write_their_events_and_four_eyes_refusals_none(
    customer_a: Customer, manager: User, manager2: User
) -> None:
    until = timezone.localdate() + timedelta(days=30)
    override = override_request(
        customer=customer_a, grade="AA", reason="复核", valid_until=until, acting_user=manager
    )
    with pytest.raises(Refused):
        override_decide(override=override, approve=True, note="", acting_user=manager)
    override_decide(override=override, approve=True, note="同意", acting_user=manager2)

    assert kinds() == [Kind.OVERRIDE_REQUESTED, Kind.OVERRIDE_APPROVED]
    change = GradeChange.objects.get()
    assert (change.kind, change.acting_user, change.new_grade) == ("override", manager2, "AA")


def test_a_rejected_override_writes_its_event(
    customer_a: Customer, manager: User, manager2: User
) -> None:
    until = timezone.localdate() + timedelta(days=30)
    override = override_request(
        customer=customer_a, grade="C", reason="x", valid_until=until, acting_user=manager
    )
    override_decide(override=override, approve=False, note="no", acting_user=manager2)

    assert kinds() == [Kind.OVERRIDE_REQUESTED, Kind.OVERRIDE_REJECTED]
    assert not GradeChange.objects.exists()


def test_reviews_write_their_events(customer_a: Customer, agent: User) -> None:
    review = review_request_submit(
        customer=customer_a, kind="explanation", message="为什么", acting_user=agent
    )
    with pytest.raises(Invalid) as invalid:
        review_request_answer(review=review, answer="", outcome="explained", acting_user=agent)
    review_request_answer(review=review, answer="因为", outcome="explained", acting_user=agent)

    assert invalid.value.code == "credit.answer_missing"
    assert kinds() == [Kind.REVIEW_SUBMITTED, Kind.REVIEW_ANSWERED]


def test_publishing_policies_and_scorecards_writes_events(manager: User, kam: User) -> None:
    policy_publish(rules=DEFAULT_POLICY, note="v1", acting_user=manager)
    expert_publish(matrix=DEFAULT_MATRIX, note="v1", acting_user=manager)
    with pytest.raises(Refused):
        policy_publish(rules=DEFAULT_POLICY, note="x", acting_user=kam)
    segment_model_set(segment="residential", kind="expert", acting_user=manager)

    assert kinds() == [Kind.POLICY_PUBLISHED, Kind.SCORECARD_PUBLISHED, Kind.SEGMENT_MODEL_SET]
    published = CreditAuditEvent.objects.get(kind=Kind.POLICY_PUBLISHED)
    assert (published.acting_user, published.details["version"]) == (manager, 1)


def test_an_invalid_policy_row_names_its_row_and_field(manager: User) -> None:
    rules = [dict(r) for r in DEFAULT_POLICY]
    rules[0]["payment_term_days"] = 200

    with pytest.raises(Invalid) as invalid:
        policy_publish(rules=rules, note="x", acting_user=manager)

    assert invalid.value.code == "credit.policy_invalid"
    assert list(invalid.value.fields) == ["1.payment_term_days"]
    assert not PolicyVersion.objects.exists()
    assert not CreditAuditEvent.objects.exists()


def test_a_rating_run_and_its_job_write_their_events(
    lake: LakeWriter, customer_a: Customer, manager: User, agent: User
) -> None:
    lake.customer(customer_a.account_no)
    lake.write()

    with pytest.raises(Refused):
        credit_batch_start(acting_user=agent)
    credit_batch_start(acting_user=manager)
    result = credit_rate_all(as_of=AS_OF, engine="duckdb", acting_user=manager)

    assert kinds() == [Kind.BATCH_STARTED, Kind.BATCH_RUN]
    run = CreditAuditEvent.objects.get(kind=Kind.BATCH_RUN)
    assert run.details == {
        "run": result.run.pk,
        "as_of": AS_OF.isoformat(),
        "customers": 1,
        "changes": 1,
    }
    change = GradeChange.objects.get()
    assert change.kind == GradeChange.Kind.BATCH
    # The 360° timeline says why in words: the rule, the model by name, the score.
    with translation.override("en"):
        (line,) = [
            e for e in customer_timeline(customer=customer_a, user=manager) if e.app == "credit"
        ]
        assert line.text.startswith("First rating · Expert scorecard")
        assert " · score " in line.text
        assert "expert" not in line.text


def test_the_timeline_shows_credit_only_to_who_may_see_credit(
    customer_a: Customer, manager: User, outsider: User
) -> None:
    hazard(customer_a, manager)

    seen = customer_timeline(customer=customer_a, user=manager)
    hidden = customer_timeline(customer=customer_a, user=outsider)

    assert [e.kind for e in seen if e.app == "credit"] == [Kind.EVENT_RECORDED]
    assert [e for e in hidden if e.app == "credit"] == []


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_policy_publishes_get_two_numbers(regions: object) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    manager = make_user("manager", Role.MARKETING_MANAGER)
    barrier = threading.Barrier(2)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def publish(note: str) -> None:
        try:
            barrier.wait(timeout=10)
            numbers.append(
                policy_publish(rules=DEFAULT_POLICY, note=note, acting_user=manager).number
            )
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(numbers) == [1, 2]
    assert PolicyVersion.objects.count() == 2
    assert CreditAuditEvent.objects.filter(kind=Kind.POLICY_PUBLISHED).count() == 2
