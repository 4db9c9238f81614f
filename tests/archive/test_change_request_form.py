"""The tier-1 change form (issue 16): an enumerated field's new value is picked from its
labels, not typed as a code; a value outside the list is refused and nothing is asked."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.archive.models import ChangeRequest, Customer
from gridcrm.users.models import User

pytestmark = pytest.mark.django_db


def test_an_enumerated_field_offers_its_labels(
    client: Client, agent: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    url = f"/customers/{customer_a.account_no}/change/"
    page = client.get(url, {"field": "tariff_category"}).content.decode()
    assert '<select name="new_value"' in page
    assert ">大工业<" in page
    assert '<input type="text" name="new_value"' in client.get(url).content.decode()

    response = client.post(
        f"{url}?field=tariff_category",
        {"field": "tariff_category", "new_value": "large_industry", "reason": "改造"},
    )
    assert response.status_code == 302
    assert ChangeRequest.objects.get().new_value == "large_industry"


def test_a_value_outside_the_list_is_refused(
    client: Client, agent: User, customer_a: Customer
) -> None:
    client.force_login(agent)
    response = client.post(
        f"/customers/{customer_a.account_no}/change/",
        {"field": "tariff_category", "new_value": "大工业", "reason": "改造"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_value"]
    assert not ChangeRequest.objects.exists()
