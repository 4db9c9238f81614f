"""Accounts, roles, regions and API tokens change only with an audit event."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from gridcrm.users.models import ApiToken, RegionLevel, User, UserEvent
from gridcrm.users.roles import Role
from gridcrm.users.services import api_token_issue, region_create, user_create
from tests.conftest import Regions

pytestmark = pytest.mark.django_db


def test_creating_a_user_records_the_account_and_its_role(regions: Regions) -> None:
    admin = user_create(
        username="root", password="x", full_name="", role=Role.ADMINISTRATOR, is_superuser=True
    )
    clerk = user_create(
        username="clerk",
        password="x",
        full_name="王芳",
        role=Role.REGIONAL_COLLECTOR,
        region=regions.station_a1,
        acting_user=admin,
    )

    events = UserEvent.objects.filter(user=clerk).order_by("pk")
    assert [(e.kind, e.acting_user) for e in events] == [
        (UserEvent.Kind.USER_CREATED, admin),
        (UserEvent.Kind.ROLE_GRANTED, admin),
    ]
    assert events[1].details == {"role": "regional_collector"}


def test_issuing_a_token_records_it_without_its_secret(collector_a: User, outsider: User) -> None:
    token = api_token_issue(user=collector_a, name="script", acting_user=outsider)

    event = UserEvent.objects.get(kind=UserEvent.Kind.TOKEN_ISSUED)
    issued = ApiToken.objects.get()
    assert (event.user, event.acting_user) == (collector_a, outsider)
    assert event.details == {"token": issued.pk, "name": "script"}
    assert token not in str(event.details)


def test_a_new_region_is_recorded(regions: Regions) -> None:
    region = region_create(
        code="YQ0103", name="新街供电所", level=RegionLevel.STATION, parent=regions.district_a
    )

    event = UserEvent.objects.get(kind=UserEvent.Kind.REGION_CREATED, region=region)
    assert event.acting_user is None
    assert event.details["path"] == region.path


def test_a_refused_account_writes_no_event(db: None) -> None:
    user_create(username="dup", password="x", full_name="", role=Role.CUSTOMER)
    before = UserEvent.objects.count()

    with pytest.raises(IntegrityError):  # the user name is taken
        user_create(username="dup", password="x", full_name="", role=Role.CUSTOMER)

    assert UserEvent.objects.count() == before
