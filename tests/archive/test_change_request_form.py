"""Forms that took codes as free text (issue 16): a tier-1 change of an enumerated field
picks its new value from the labels (a value outside the list is refused and nothing is
asked); the transformer area suggests the station's areas."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.archive.models import ChangeRequest, Customer
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer

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


def test_the_transformer_area_field_suggests_the_stations_areas(
    client: Client, collector_a: User, customer_a: Customer, regions: Regions
) -> None:
    make_customer(regions.station_a1, "0100000012", "邻居", transformer_area="德胜街1号台区")
    make_customer(regions.station_b1, "0200000012", "远方", transformer_area="秀水2号台区")
    client.force_login(collector_a)
    page = client.get(f"/customers/{customer_a.account_no}/edit/basic/").content.decode()
    assert '<option value="德胜街1号台区">' in page
    assert "秀水2号台区" not in page  # another station's
