"""The fast channel: a key account's request gets priority 1 and tighter limits than the
same request through the general queue, and sorts first in each department's queue; its
managers are told of every step; it closes only after the feedback call; non-key accounts
and outsiders are refused."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from gridcrm.core.errors import Conflict, Invalid, Refused
from gridcrm.keyaccounts.fastchannel import fast_request_create, feedback_call_record
from gridcrm.keyaccounts.models import Event, FeedbackCall, KeyAccount, Notification
from gridcrm.service.matrix import matrix_current, matrix_publish, matrix_rules, rule_as_dict
from gridcrm.service.models import RequestType, ServiceRequest
from gridcrm.service.selectors import work_queue
from gridcrm.service.services import request_create, request_step_complete
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import make_user
from tests.keyaccounts.conftest import Cast

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("code", ["fault_repair", "increase_hv"])
def test_a_fast_request_beats_a_general_one(cast: Cast, code: str) -> None:
    request_type = RequestType.objects.get(code=code)
    general = request_create(
        customer=cast.mine.customer,
        request_type=request_type,
        channel="phone",
        summary="普通渠道",
        acting_user=cast.owner,
        now=NOW,
    )
    fast = fast_request_create(
        account=cast.mine,
        request_type=request_type,
        summary="大客户绿色通道",
        acting_user=cast.owner,
        now=NOW,
    )
    assert fast.channel == "fast_channel"
    assert fast.priority == 1 <= general.priority
    assert fast.due_at < general.due_at
    assert fast.limit_factor <= general.limit_factor / 2
    assert Event.objects.filter(key_account=cast.mine, kind=Event.Kind.FAST).count() == 1


def test_it_refuses_an_account_off_the_roster(cast: Cast) -> None:
    KeyAccount.objects.filter(pk=cast.mine.pk).update(active=False)
    cast.mine.refresh_from_db()
    with pytest.raises(Conflict) as conflict:
        fast_request_create(
            account=cast.mine,
            request_type=RequestType.objects.get(code="fault_repair"),
            summary="x",
            acting_user=cast.owner,
        )
    assert conflict.value.code == "keyaccounts.not_on_roster"
    assert not ServiceRequest.objects.exists()


def test_a_specialist_cannot_file_a_fast_request(cast: Cast) -> None:
    with pytest.raises(Refused):  # the service app refuses the role
        fast_request_create(
            account=cast.mine,
            request_type=RequestType.objects.get(code="fault_repair"),
            summary="x",
            acting_user=cast.specialist,
        )
    assert not ServiceRequest.objects.exists()


def test_the_manager_files_from_the_account_page(cast: Cast, client: Client) -> None:
    client.force_login(cast.owner)
    request_type = RequestType.objects.get(code="fault_repair")
    response = client.post(
        "/keyaccounts/a/0300000001/fast/",
        {"request_type": str(request_type.pk), "summary": "10kV进线开关跳闸"},
    )
    assert response.status_code == 302
    made = ServiceRequest.objects.get()
    assert (made.channel, made.priority, made.summary) == ("fast_channel", 1, "10kV进线开关跳闸")
    page = client.get("/keyaccounts/a/0300000001/")
    assert f'data-testid="fast-{made.pk}"'.encode() in page.content


def test_it_skips_the_general_queue_in_each_department(
    cast: Cast, agent: User, collector_a: User
) -> None:
    fault = RequestType.objects.get(code="fault_repair")
    general = request_create(
        customer=cast.theirs.customer,
        request_type=fault,
        channel="phone",
        summary="普通报修,先到",
        acting_user=agent,
        now=NOW - dt.timedelta(minutes=3),
    )
    fast = fast_request_create(
        account=cast.mine, request_type=fault, summary="绿色通道", acting_user=cast.owner, now=NOW
    )
    # Dispatch is the agents' step; the fast request is first in their queue though later.
    assert list(work_queue(user=agent))[:2] == [fast, general]
    for made in (general, fast):
        request_step_complete(request=made, step_code="dispatch", acting_user=agent, now=NOW)
    # Then it goes to the field crews of the customer's station, again first.
    assert list(work_queue(user=collector_a))[:2] == [fast, general]
    fast.refresh_from_db()
    general.refresh_from_db()
    assert fast.current_role == general.current_role == "regional_collector"
    assert fast.step_due_at is not None
    assert general.step_due_at is not None
    assert fast.step_due_at < general.step_due_at


def _work_through(request: ServiceRequest, agent: User, *codes: str) -> None:
    for n, code in enumerate(codes, start=1):
        request_step_complete(
            request=request,
            step_code=code,
            acting_user=agent,
            now=NOW + dt.timedelta(minutes=10 * n),
        )


def _kinds(user: User) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True)
    )


def test_the_managers_are_told_of_every_step_and_the_feedback_call_holds_the_close(
    cast: Cast, agent: User
) -> None:
    fast = fast_request_create(
        account=cast.mine,
        request_type=RequestType.objects.get(code="fault_repair"),
        summary="10kV进线跳闸",
        acting_user=cast.owner,
        now=NOW,
    )
    _work_through(fast, agent, "dispatch", "on_site", "restore")
    # The backup hears of the filing too; neither hears of their own action.
    assert _kinds(cast.backup) == ["step", "step", "step", "step", "feedback_due"]
    assert _kinds(cast.owner) == ["step", "step", "step", "feedback_due"]
    assert not Notification.objects.filter(recipient=cast.colleague).exists()

    # Without the feedback call the last step cannot close the request.
    with pytest.raises(Conflict) as conflict:
        request_step_complete(request=fast, step_code="follow_up", acting_user=agent, now=NOW)
    assert conflict.value.code == "keyaccounts.feedback_call_missing"
    fast.refresh_from_db()
    assert fast.status == ServiceRequest.Status.OPEN
    assert fast.current_position == 4

    call = feedback_call_record(
        request=fast, acting_user=cast.owner, satisfaction=5, notes="抢修及时,客户满意", now=NOW
    )
    assert (call.satisfaction, call.recorded_by, call.waived) == (5, cast.owner, False)
    fast.refresh_from_db()
    assert fast.status == ServiceRequest.Status.OPEN  # the follow-up is the agents' step
    assert _kinds(cast.backup)[-1] == "feedback"

    request_step_complete(request=fast, step_code="follow_up", acting_user=agent, now=NOW)
    fast.refresh_from_db()
    assert fast.status == ServiceRequest.Status.DONE
    assert _kinds(cast.owner)[-2:] == ["step", "closed"]
    assert Event.objects.filter(key_account=cast.mine, kind=Event.Kind.FEEDBACK).count() == 1


def test_an_agent_records_the_feedback_call_and_closes_the_request(cast: Cast, agent: User) -> None:
    fast = fast_request_create(
        account=cast.mine,
        request_type=RequestType.objects.get(code="fault_repair"),
        summary="跳闸",
        acting_user=cast.owner,
        now=NOW,
    )
    _work_through(fast, agent, "dispatch", "on_site", "restore")
    feedback_call_record(request=fast, acting_user=agent, satisfaction=3, notes="到场偏慢", now=NOW)
    fast.refresh_from_db()
    assert fast.status == ServiceRequest.Status.DONE


def test_a_waiver_needs_a_reason_and_the_call_comes_at_the_end(cast: Cast, agent: User) -> None:
    fast = fast_request_create(
        account=cast.mine,
        request_type=RequestType.objects.get(code="fault_repair"),
        summary="跳闸",
        acting_user=cast.owner,
        now=NOW,
    )
    with pytest.raises(Conflict) as conflict:  # not on its last step yet
        feedback_call_record(request=fast, acting_user=cast.owner, satisfaction=4, now=NOW)
    assert conflict.value.code == "keyaccounts.feedback_not_due"
    _work_through(fast, agent, "dispatch", "on_site", "restore")
    with pytest.raises(Invalid) as invalid:  # neither an answer nor a reason
        feedback_call_record(request=fast, acting_user=cast.owner, now=NOW)
    assert invalid.value.code == "keyaccounts.satisfaction_missing"
    for intruder in (cast.colleague, cast.specialist, cast.outsider):
        with pytest.raises(Refused) as refused:
            feedback_call_record(request=fast, acting_user=intruder, satisfaction=4, now=NOW)
        assert refused.value.code == "keyaccounts.may_not_call_back"
    assert not FeedbackCall.objects.exists()
    call = feedback_call_record(
        request=fast, acting_user=cast.backup, waive_reason="客户明确表示无需回访", now=NOW
    )
    assert (call.waived, call.satisfaction) == (True, None)
    with pytest.raises(Conflict) as conflict:
        feedback_call_record(request=fast, acting_user=cast.owner, satisfaction=4, now=NOW)
    assert conflict.value.code == "keyaccounts.feedback_not_due"
    request_step_complete(request=fast, step_code="follow_up", acting_user=agent, now=NOW)
    fast.refresh_from_db()
    assert fast.status == ServiceRequest.Status.DONE


def test_a_general_request_of_a_key_account_closes_without_a_call(cast: Cast, agent: User) -> None:
    general = request_create(
        customer=cast.mine.customer,
        request_type=RequestType.objects.get(code="fault_repair"),
        channel="phone",
        summary="普通报修",
        acting_user=agent,
        now=NOW,
    )
    _work_through(general, agent, "dispatch", "on_site", "restore", "follow_up")
    general.refresh_from_db()
    assert general.status == ServiceRequest.Status.DONE
    assert not Notification.objects.exists()


def test_the_manager_reads_messages_and_records_the_call_from_the_pages(
    cast: Cast, agent: User, client: Client
) -> None:
    fast = fast_request_create(
        account=cast.mine,
        request_type=RequestType.objects.get(code="fault_repair"),
        summary="跳闸",
        acting_user=cast.owner,
        now=NOW,
    )
    _work_through(fast, agent, "dispatch", "on_site", "restore")
    client.force_login(cast.owner)
    portfolio = client.get("/keyaccounts/")
    assert b'data-testid="unread"' in portfolio.content
    page = client.get("/keyaccounts/messages/")
    assert page.status_code == 200
    assert page.content.count(b'data-kind="step"') == 3
    assert not Notification.objects.filter(recipient=cast.owner, read_at__isnull=True).exists()
    account_page = client.get("/keyaccounts/a/0300000001/")
    assert f'data-testid="feedback-form-{fast.pk}"'.encode() in account_page.content
    response = client.post(
        f"/keyaccounts/feedback/{fast.pk}/",
        {"satisfaction": "4", "notes": "满意", "back": "account"},
    )
    assert response.status_code == 302
    assert FeedbackCall.objects.get().satisfaction == 4
    client.force_login(cast.colleague)
    assert client.get("/keyaccounts/feedback/").status_code == 200
    assert (
        client.post(f"/keyaccounts/feedback/{fast.pk}/", {"satisfaction": "1"}).status_code == 404
    )


def test_the_api_lists_messages_and_records_the_feedback_call(
    cast: Cast, agent: User, client: Client
) -> None:
    fast = fast_request_create(
        account=cast.mine,
        request_type=RequestType.objects.get(code="enquiry"),
        summary="电价咨询",
        acting_user=cast.owner,
        now=NOW,
    )
    client.force_login(cast.backup)
    kinds = [m["kind"] for m in client.get("/api/keyaccounts/messages").json()]
    assert sorted(kinds) == ["feedback_due", "step"]
    assert [d["request_id"] for d in client.get("/api/keyaccounts/feedback").json()] == [fast.pk]
    refused = client.post(
        f"/api/keyaccounts/feedback/{fast.pk}", "{}", content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "keyaccounts.satisfaction_missing"
    client.force_login(agent)  # the agent answers the enquiry and records the call at once
    made = client.post(
        f"/api/keyaccounts/feedback/{fast.pk}",
        '{"satisfaction": 5, "notes": "答复清楚"}',
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["request_status"] == "done"
    client.force_login(cast.colleague)
    again = client.post(
        f"/api/keyaccounts/feedback/{fast.pk}", "{}", content_type="application/json"
    )
    assert again.status_code == 404


def test_the_fast_channels_limits_come_from_the_service_matrix(cast: Cast) -> None:
    marketing_manager = make_user("mm", Role.MARKETING_MANAGER)
    current = matrix_current()
    assert current is not None
    rules = [rule_as_dict(rule) for rule in matrix_rules(current)]
    fast_rules = [rule for rule in rules if rule["channel"] == "fast_channel"]
    assert [(r["priority"], r["limit_factor"]) for r in fast_rules] == [(1, "0.50")]
    fast_rules[0]["limit_factor"] = "0.30"
    matrix_publish(rules=rules, note="快速通道时限压缩到三成", acting_user=marketing_manager)
    request_type = RequestType.objects.get(code="increase_hv")
    general = request_create(
        customer=cast.mine.customer,
        request_type=request_type,
        channel="phone",
        summary="普通渠道",
        acting_user=cast.owner,
        now=NOW,
    )
    fast = fast_request_create(
        account=cast.mine,
        request_type=request_type,
        summary="绿色通道",
        acting_user=cast.owner,
        now=NOW,
    )
    assert str(fast.limit_factor) == "0.30"
    assert general.limit_factor > fast.limit_factor  # the rule holds for the channel only
    assert "大客户快速通道" not in " ".join(general.decision.get("reasons", []))
