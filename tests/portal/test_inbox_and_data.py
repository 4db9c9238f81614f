"""The inbox shows the notices that target the account, opening one records the read
receipt; the customer's own data: preferences, the data-access download, disclosures."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from gridcrm.portal.models import PortalEvent
from gridcrm.service.models import Notice, NoticeDelivery
from gridcrm.service.notices import Target, deliveries_send_due, notice_create, notice_publish
from gridcrm.users.models import User
from tests.conftest import PASSWORD
from tests.portal.conftest import Holder


def _outage(station: str, author: User) -> Notice:
    start = timezone.now() + dt.timedelta(days=10)
    notice = notice_create(
        kind="outage",
        topic="outage",
        title=f"{station} 计划停电",
        body="更换变压器。",
        targets=[Target(scope="station", value=station)],
        outage_start=start,
        outage_end=start + dt.timedelta(hours=6),
        acting_user=author,
    )
    notice_publish(notice=notice, acting_user=author)
    deliveries_send_due(now=start)
    return notice


@pytest.fixture
def signed_in(holder_a: Holder) -> Client:
    client = Client()
    client.login(username=holder_a.user.username, password=PASSWORD)
    return client


def test_an_outage_notice_reaches_its_station_only_and_is_read(
    holder_a: Holder, holder_b: Holder, signed_in: Client, collector_a: User, collector_b: User
) -> None:
    mine = _outage(holder_a.customer.region.code, collector_a)
    theirs = _outage(holder_b.customer.region.code, collector_b)
    account = holder_a.customer.account_no
    inbox = signed_in.get(f"/portal/a/{account}/notices/").content.decode()
    assert mine.title in inbox
    assert theirs.title not in inbox
    assert "unread" in inbox
    assert signed_in.get(f"/portal/a/{account}/notices/{mine.pk}/").status_code == 200
    assert signed_in.get(f"/portal/a/{account}/notices/{theirs.pk}/").status_code == 404
    delivery = NoticeDelivery.objects.get(notice=mine, customer=holder_a.customer, channel="in_app")
    assert delivery.read_at is not None
    # Reading again keeps the first receipt.
    first = delivery.read_at
    signed_in.get(f"/portal/a/{account}/notices/{mine.pk}/")
    delivery.refresh_from_db()
    assert delivery.read_at == first
    # The API says it is read.
    rows = Client().get(f"/api/portal/accounts/{account}/notices", headers=holder_a.headers).json()
    assert [r["read"] for r in rows if r["id"] == mine.pk] == [True]


def test_the_api_records_a_read_receipt_with_a_bearer_token(
    holder_a: Holder, collector_a: User
) -> None:
    notice = _outage(holder_a.customer.region.code, collector_a)
    client = Client(enforce_csrf_checks=True)
    path = f"/api/portal/accounts/{holder_a.customer.account_no}/notices/{notice.pk}/read"
    assert client.post(path, headers=holder_a.headers).status_code == 204
    assert NoticeDelivery.objects.filter(notice=notice, read_at__isnull=False).count() == 1


def test_the_data_download_holds_the_account_and_is_recorded(
    holder_a: Holder, signed_in: Client
) -> None:
    response = signed_in.get(f"/portal/a/{holder_a.customer.account_no}/data/export/")
    assert response.status_code == 200
    data = json.loads(response.content)
    values = {f["name"]: f["value"] for f in data["fields"]}
    assert values["certificate_no"] == holder_a.customer.certificate_no  # their own, unmasked
    assert data["portal_logins"][0]["login"] == holder_a.user.username
    assert PortalEvent.objects.filter(kind="data_exported", customer=holder_a.customer).exists()


def test_the_data_page_shows_who_disclosed_the_contact_data(
    holder_a: Holder, signed_in: Client, agent: User
) -> None:
    from gridcrm.archive.models import DisclosureEvent
    from gridcrm.archive.services import customer_contact_reveal

    customer_contact_reveal(
        customer=holder_a.customer, acting_user=agent, channel=DisclosureEvent.Kind.WEB
    )
    page = signed_in.get(f"/portal/a/{holder_a.customer.account_no}/data/").content.decode()
    assert "agent" in page.split('data-testid="disclosures"')[1]


def test_preferences_are_saved_and_a_bad_address_changes_nothing(
    holder_a: Holder, signed_in: Client
) -> None:
    from gridcrm.service.selectors import channel_preference_of

    path = f"/portal/a/{holder_a.customer.account_no}/preferences/"
    assert signed_in.post(path, {"channels": ["sms"], "email": ""}).status_code == 302
    saved = channel_preference_of(customer=holder_a.customer)
    assert saved is not None
    assert "sms" in saved.channels
    response = signed_in.post(path, {"channels": ["email"], "email": "not-an-address"})
    assert response.status_code == 200
    saved.refresh_from_db()
    assert "email" not in saved.channels


def test_contact_data_is_updated_directly_and_a_correction_is_queued(
    holder_a: Holder, signed_in: Client
) -> None:
    from gridcrm.archive.models import ChangeRequest, Customer

    path = f"/portal/a/{holder_a.customer.account_no}/data/"
    version = holder_a.customer.version
    response = signed_in.post(
        path,
        {
            "action": "contact",
            "phone_alt": "13711112222",
            "preferred_channel": "sms",
            "version": version,
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(pk=holder_a.customer.pk)
    assert customer.phone_alt == "13711112222"
    # A stale form changes nothing.
    response = signed_in.post(
        path, {"action": "contact", "phone_alt": "13799998888", "version": version}
    )
    assert b'data-code="archive.version_conflict"' in response.content
    assert Customer.objects.get(pk=customer.pk).phone_alt == "13711112222"
    response = signed_in.post(
        path,
        {
            "action": "correction",
            "field": "address",
            "new_value": "德胜街2号",
            "reason": "门牌改了",
        },
    )
    assert response.status_code == 302
    queued = ChangeRequest.objects.get(customer=customer)
    assert (queued.field, queued.status) == ("address", "pending")


def test_a_credit_review_is_asked_from_the_portal(holder_a: Holder, signed_in: Client) -> None:
    from gridcrm.credit.models import ReviewRequest

    path = f"/portal/a/{holder_a.customer.account_no}/data/"
    response = signed_in.post(path, {"action": "review", "kind": "human_review", "message": "?"})
    assert response.status_code == 302
    assert ReviewRequest.objects.get(customer=holder_a.customer).submitted_by == holder_a.user
