"""The safety pages: an inspector's overview and phone form, 404 outside their region."""

from __future__ import annotations

from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.safety.models import Hazard
from gridcrm.service.models import Notice
from gridcrm.users.models import User
from tests.conftest import PASSWORD
from tests.safety.conftest import one_hazard, record, today


def _login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_inspector_sees_what_is_due_and_the_open_hazards_of_their_region(
    inspector_a: User,
    inspector_b: User,
    hospital: Customer,
    factory: Customer,
    customer_b: Customer,
) -> None:
    one_hazard(record(inspector_a, hospital, ("电缆沟积水", "significant")))
    one_hazard(record(inspector_b, customer_b, ("高压柜锈蚀", "general")))
    page = _login(inspector_a).get("/safety/").content.decode()
    assert "电缆沟积水" in page
    assert "高压柜锈蚀" not in page
    # The hospital was inspected today; the factory never was, so it is due.
    assert f'href="/safety/inspect/{factory.account_no}/"' in page
    assert f'href="/safety/inspect/{hospital.account_no}/"' not in page
    assert customer_b.account_no not in page


def test_pages_of_another_region_answer_404(
    inspector_a: User, inspector_b: User, customer_b: Customer
) -> None:
    theirs = record(inspector_b, customer_b, ("高压柜锈蚀", "general"))
    hazard = one_hazard(theirs)
    client = _login(inspector_a)
    for url in (
        f"/safety/inspect/{customer_b.account_no}/",
        f"/safety/inspections/{theirs.pk}/",
        f"/safety/hazards/{hazard.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    answer = client.post(f"/safety/hazards/{hazard.pk}/report/", {"reported_on": today()})
    assert answer.status_code == 404
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.OPEN


def test_the_form_records_an_inspection_with_a_hazard(
    inspector_a: User, hospital: Customer
) -> None:
    client = _login(inspector_a)
    form = client.get(f"/safety/inspect/{hospital.account_no}/")
    assert form.status_code == 200
    data = {
        "inspected_on": today().isoformat(),
        "result": "hazards",
        "notes": "",
        "hazards-TOTAL_FORMS": "3",
        "hazards-INITIAL_FORMS": "0",
        "hazards-0-description": "自备发电机未试运行",
        "hazards-0-severity": "major",
        **{f"check_{c}": "ok" for c in ("switchgear", "protection", "grounding", "metering")},
        **{f"check_{c}": "ok" for c in ("emergency_power", "safety_tools", "records")},
    }
    answer = client.post(f"/safety/inspect/{hospital.account_no}/", data)
    assert answer.status_code == 302
    hazard = Hazard.objects.get()
    assert (hazard.severity, hazard.customer_id) == ("major", hospital.pk)
    assert Notice.objects.filter(pk=hazard.notice_id).exists()
    detail = client.get(answer["Location"]).content.decode()
    assert "自备发电机未试运行" in detail


def test_a_past_deadline_on_the_form_is_refused_and_nothing_kept(
    inspector_a: User, hospital: Customer
) -> None:
    data = {
        "inspected_on": today().isoformat(),
        "result": "hazards",
        "hazards-TOTAL_FORMS": "3",
        "hazards-INITIAL_FORMS": "0",
        "hazards-0-description": "自备发电机未试运行",
        "hazards-0-severity": "major",
        "hazards-0-deadline": "2020-01-01",
        **{f"check_{c}": "ok" for c in ("switchgear", "protection", "grounding", "metering")},
        **{f"check_{c}": "ok" for c in ("emergency_power", "safety_tools", "records")},
    }
    answer = _login(inspector_a).post(f"/safety/inspect/{hospital.account_no}/", data)
    assert answer.status_code == 200
    assert not Hazard.objects.exists()


def test_a_role_without_safety_work_cannot_open_the_pages(outsider: User) -> None:
    assert _login(outsider).get("/safety/").status_code == 403
