"""The service pages: scope (404 out of scope, nothing changed), permissions, keyboard
affordances, and the panel on the customer 360° page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.service.models import ServiceRequest
from gridcrm.service.services import request_create
from gridcrm.users.models import User
from tests.service.conftest import rtype

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_a(customer_a: Customer, agent: User) -> ServiceRequest:
    return request_create(
        customer=customer_a,
        request_type=rtype("new_lv_residential"),
        channel="counter",
        summary="新建住宅接电",
        acting_user=agent,
    )


def test_the_agent_sees_the_queue_and_takes_the_next_request(
    client: Client, agent: User, request_a: ServiceRequest
) -> None:
    client.force_login(agent)
    page = client.get("/service/")
    assert page.status_code == 200
    assert f'data-testid="queue-row-{request_a.pk}"' in page.content.decode()
    assert 'accesskey="n"' in page.content.decode()
    response = client.post("/service/take-next/")
    assert response.status_code == 302
    assert response["Location"] == request_a.get_absolute_url()
    request_a.refresh_from_db()
    assert request_a.assignee == agent


def test_the_agent_completes_steps_from_the_request_page(
    client: Client, agent: User, request_a: ServiceRequest
) -> None:
    client.force_login(agent)
    page = client.get(request_a.get_absolute_url()).content.decode()
    assert 'data-testid="step-note"' in page
    assert "autofocus" in page
    client.post(
        f"/service/{request_a.pk}/step/", {"code": "accept", "version": "1", "note": "资料齐全"}
    )
    request_a.refresh_from_db()
    assert request_a.current_position == 2


def test_a_step_out_of_order_from_the_page_changes_nothing(
    client: Client, agent: User, request_a: ServiceRequest
) -> None:
    client.force_login(agent)
    response = client.post(
        f"/service/{request_a.pk}/step/", {"code": "follow_up", "version": "1"}, follow=True
    )
    assert response.status_code == 200
    request_a.refresh_from_db()
    assert (request_a.current_position, request_a.version) == (1, 1)


def test_a_stale_form_changes_nothing(
    client: Client, agent: User, request_a: ServiceRequest
) -> None:
    client.force_login(agent)
    client.post(f"/service/{request_a.pk}/step/", {"code": "accept", "version": "7"})
    request_a.refresh_from_db()
    assert request_a.current_position == 1


def test_a_request_outside_the_scope_is_404(
    client: Client, collector_b: User, request_a: ServiceRequest
) -> None:
    client.force_login(collector_b)
    assert client.get(request_a.get_absolute_url()).status_code == 404
    assert client.post(f"/service/{request_a.pk}/take/").status_code == 404
    response = client.post(f"/service/{request_a.pk}/step/", {"code": "accept", "version": "1"})
    assert response.status_code == 404
    request_a.refresh_from_db()
    assert request_a.assignee is None
    assert request_a.current_position == 1


def test_a_customer_outside_the_scope_is_an_error_on_the_account_field_like_an_unknown_one(
    client: Client, collector_b: User, customer_a: Customer
) -> None:
    client.force_login(collector_b)
    response = client.post(
        "/service/new/",
        {
            "account_no": customer_a.account_no,
            "request_type": rtype("fault_repair").pk,
            "channel": "phone",
            "summary": "停电",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "has-error" in html
    assert customer_a.name not in html  # nothing tells the account exists
    assert "停电" in html  # what was typed is kept
    assert not ServiceRequest.objects.exists()


def test_the_agent_opens_a_request_from_the_form(
    client: Client, agent: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    form = client.get(f"/service/new/?customer={customer_a.account_no}").content.decode()
    assert "autofocus" in form
    response = client.post(
        "/service/new/",
        {
            "account_no": customer_a.account_no,
            "request_type": rtype("fault_repair").pk,
            "channel": "phone",
            "summary": "整栋楼停电",
        },
    )
    created = ServiceRequest.objects.get()
    assert response["Location"] == created.get_absolute_url()
    assert created.created_by == agent


def test_an_outsider_is_refused_every_page(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    for url in ("/service/", "/service/new/", "/service/notices/", "/service/matrix/"):
        assert client.get(url).status_code == 403, url


def test_the_customer_page_shows_the_service_timeline(
    client: Client, agent: User, request_a: ServiceRequest, customer_a: Customer
) -> None:
    client.force_login(agent)
    page = client.get(customer_a.get_absolute_url()).content.decode()
    assert 'data-testid="service-panel"' in page
    assert 'data-testid="customer-timeline"' in page
    assert request_a.number in page


@pytest.mark.parametrize(
    "url",
    [
        "/service/notices/",
        "/service/notices/new/",
        "/service/matrix/",
        "/service/calendar/",
        "/service/breaches/",
        "/service/grace/",
        "/service/?view=escalated",
    ],
)
def test_manager_pages_open(client: Client, manager: User, url: str) -> None:
    client.force_login(manager)
    assert client.get(url).status_code == 200


def test_the_manager_publishes_the_matrix_from_the_page(client: Client, manager: User) -> None:
    from gridcrm.service.matrix import matrix_current

    client.force_login(manager)
    page = client.get("/service/matrix/")
    formset = page.context["formset"]
    data: dict[str, Any] = {"version_note": "加一条规则"}
    for key, value in formset.management_form.initial.items():
        data[f"form-{key}"] = str(value)
    for n, form in enumerate(formset.forms):
        for name, value in form.initial.items():
            data[f"form-{n}-{name}"] = "" if value is None else value
    n = len(formset.forms) - 1
    data[f"form-{n}-segment"] = "residential"
    data[f"form-{n}-priority"] = "2"
    data[f"form-{n}-note"] = "迎峰度夏居民优先"
    before = matrix_current()
    response = client.post("/service/matrix/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    after = matrix_current()
    assert after is not None
    assert before is not None
    assert after.number == before.number + 1
    assert after.rules.count() == before.rules.count() + 1


def test_the_queue_page_and_api_take_the_same_queries_for_many_rows(
    client: Client, agent: User, customer_a: Customer, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        request_create(
            customer=customer_a,
            request_type=rtype("enquiry"),
            channel="phone",
            summary=f"咨询{n}",
            acting_user=agent,
        )
    client.force_login(agent)
    with django_assert_max_num_queries(10):
        assert client.get("/service/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/service/requests").status_code == 200


def test_the_queue_row_shows_the_request_and_takes_it(
    client: Client, agent: User, request_a: ServiceRequest
) -> None:
    client.cookies["django_language"] = "en"
    client.force_login(agent)
    html = client.get("/service/").content.decode()
    row = html[html.index(f'data-testid="queue-row-{request_a.pk}"') :].split("</tr>")[0]
    assert f'href="{request_a.get_absolute_url()}"' in row
    assert request_a.number in row
    assert request_a.request_type.name_en in row
    assert request_a.customer.account_no in row
    assert request_a.customer.name in row
    assert 'class="ok"' in row  # a working day left: not urgent yet
    take = f'formaction="/service/{request_a.pk}/take/"'
    assert take in row
    response = client.post(f"/service/{request_a.pk}/take/")
    assert response.status_code == 302
    request_a.refresh_from_db()
    assert request_a.assignee == agent
    row = client.get("/service/").content.decode()
    assert take not in row  # taken: no button any more
    assert agent.full_name in row


def test_the_queue_escapes_what_people_typed(
    client: Client, agent: User, request_a: ServiceRequest
) -> None:
    # Type names are edited by administrators, customer names come from imports.
    request_a.request_type.name_zh = "新装<script>alert(1)</script>"
    request_a.request_type.save(update_fields=["name_zh"])
    Customer.objects.filter(pk=request_a.customer_id).update(name='王"建国" & <b>子</b>')
    client.force_login(agent)
    html = client.get("/service/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "新装&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "王&quot;建国&quot; &amp; &lt;b&gt;子&lt;/b&gt;" in html


def test_a_bad_matrix_row_on_the_page_is_shown_and_publishes_nothing(
    client: Client, manager: User
) -> None:
    from gridcrm.service.matrix import matrix_current

    client.force_login(manager)
    formset = client.get("/service/matrix/").context["formset"]
    data: dict[str, Any] = {"version_note": "坏规则"}
    for key, value in formset.management_form.initial.items():
        data[f"form-{key}"] = str(value)
    for n, form in enumerate(formset.forms):
        for name, value in form.initial.items():
            data[f"form-{n}-{name}"] = "" if value is None else value
    n = len(formset.forms) - 1
    data[f"form-{n}-priority"] = "9"
    data[f"form-{n}-note"] = "优先级超出范围"
    before = matrix_current()
    response = client.post("/service/matrix/", data)
    assert response.status_code == 200
    assert f"{n + 1}.priority" in response.context["errors"]
    assert 'data-testid="matrix-errors"' in response.content.decode()
    assert matrix_current() == before
