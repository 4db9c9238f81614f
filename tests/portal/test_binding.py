"""Binding accounts by proof, the refusals, and unbinding by the login or by staff."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.core.errors import DomainError
from gridcrm.portal.models import Binding, PortalEvent
from gridcrm.portal.services import account_bind, account_unbind
from gridcrm.users.models import User
from tests.conftest import PASSWORD, Regions, make_customer
from tests.portal.conftest import Holder, portal_user


def _code(call: object) -> str:
    with pytest.raises(DomainError) as caught:
        call()  # type: ignore[operator]
    return caught.value.code


def test_one_login_holds_a_home_and_a_shop(customer_a: Customer, regions: Regions) -> None:
    shop = make_customer(regions.station_a1, "0100000002", "王建国")
    user = portal_user("13900000009")
    account_bind(user=user, account_no=customer_a.account_no, proof=customer_a.certificate_no[-6:])
    account_bind(user=user, account_no=shop.account_no, proof=shop.certificate_no[-6:].lower())
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    page = client.get(f"/portal/a/{shop.account_no}/").content.decode()
    assert customer_a.account_no in page
    assert shop.account_no in page  # the account switcher


def test_wrong_proof_is_refused_and_logged(customer_a: Customer, customer_b: Customer) -> None:
    user = portal_user("13900000009")
    assert _code(
        lambda: account_bind(user=user, account_no=customer_a.account_no, proof="123456")
    ) == ("portal.proof_wrong")
    # A business proves its exact name, not an ID number.
    assert (
        _code(
            lambda: account_bind(
                user=user, account_no=customer_b.account_no, proof=customer_b.certificate_no[-6:]
            )
        )
        == "portal.proof_wrong"
    )
    # An unknown account answers exactly like a wrong proof.
    assert _code(lambda: account_bind(user=user, account_no="0999999999", proof="123456")) == (
        "portal.proof_wrong"
    )
    assert not Binding.objects.exists()
    assert (
        PortalEvent.objects.filter(kind="refused", details__code="portal.proof_wrong").count() == 3
    )


def test_wrong_proofs_are_throttled(customer_a: Customer) -> None:
    user = portal_user("13900000009")
    for _ in range(5):
        _code(lambda: account_bind(user=user, account_no=customer_a.account_no, proof="000000"))
    right = customer_a.certificate_no[-6:]
    assert _code(
        lambda: account_bind(user=user, account_no=customer_a.account_no, proof=right)
    ) == ("portal.too_many_attempts")
    assert not Binding.objects.exists()


def test_a_household_is_held_by_one_login_a_business_by_several(
    holder_a: Holder, holder_b: Holder
) -> None:
    other = portal_user("13900000009")
    proof = holder_a.customer.certificate_no[-6:]
    assert (
        _code(
            lambda: account_bind(user=other, account_no=holder_a.customer.account_no, proof=proof)
        )
        == "portal.already_bound"
    )
    assert PortalEvent.objects.filter(kind="refused", details__code="portal.already_bound").exists()
    # A second contact of the steel works binds it too.
    account_bind(user=other, account_no=holder_b.customer.account_no, proof=holder_b.customer.name)
    assert Binding.objects.filter(customer=holder_b.customer, unbound_at__isnull=True).count() == 2


def test_staff_see_bindings_on_the_360_page_and_may_unbind(
    holder_a: Holder, agent: User, collector_a: User
) -> None:
    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    page = client.get(f"/customers/{holder_a.customer.account_no}/").content.decode()
    binding = Binding.objects.get(user=holder_a.user)
    assert 'data-testid="portal-panel"' in page
    assert f"unbind-{binding.pk}" in page
    # A collector lacks the permission: nothing changes.
    other = Client()
    other.login(username=collector_a.username, password=PASSWORD)
    assert other.post(f"/portal/bindings/{binding.pk}/unbind/").status_code == 404
    assert client.post(f"/portal/bindings/{binding.pk}/unbind/").status_code == 302
    binding.refresh_from_db()
    assert binding.unbound_by == agent
    kinds = list(
        PortalEvent.objects.filter(customer=holder_a.customer).values_list("kind", flat=True)
    )
    assert kinds[:2] == ["unbound", "bound"]


def test_a_login_unbinds_its_own_account(holder_a: Holder) -> None:
    binding = Binding.objects.get(user=holder_a.user)
    account_unbind(binding=binding, acting_user=holder_a.user)
    client = Client()
    client.login(username=holder_a.user.username, password=PASSWORD)
    assert client.get(f"/portal/a/{holder_a.customer.account_no}/").status_code == 404
