"""The home page counts the change requests an archive officer may decide: not their own
(four eyes), and the change list shows exactly those."""

from __future__ import annotations

import re

from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.archive.services import change_request_submit
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import Regions, make_user


def test_an_archive_officer_does_not_count_their_own_change_request(
    regions: Regions, customer_a: Customer, archivist: User, client: Client
) -> None:
    other = make_user("archivist2", Role.ARCHIVE_OFFICER)
    for who, value in ((archivist, "50"), (other, "63")):
        change_request_submit(
            customer=customer_a,
            field="contracted_kva",
            new_value=value,
            reason="增容",
            acting_user=who,
        )
    client.force_login(archivist)
    home = client.get("/").content.decode()
    assert 'data-testid="count-changes-to-decide" data-count="1"' in home
    listed = client.get("/customers/changes/").content.decode()
    assert len(re.findall(r'data-testid="pending-\d', listed)) == 1
