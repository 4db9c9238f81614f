"""REST endpoints of the customer archive; every lookup goes through the scoping selectors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from gridcrm.archive.masking import mask_phone
from gridcrm.archive.models import Customer, DisclosureEvent
from gridcrm.archive.selectors import customer_get, customer_search
from gridcrm.archive.services import customer_contact_reveal
from gridcrm.web.http import AuthedRequest

router = Router(tags=["customers"])


class CustomerOut(Schema):
    account_no: str
    name: str
    segment: str
    tariff_category: str
    voltage_level: str
    contracted_kva: Decimal
    station: str
    station_code: str
    address: str
    phone_masked: str
    industry_code: str

    @staticmethod
    def resolve_station(obj: Customer) -> str:
        return obj.region.name

    @staticmethod
    def resolve_station_code(obj: Customer) -> str:
        return obj.region.code

    @staticmethod
    def resolve_phone_masked(obj: Customer) -> str:
        return mask_phone(obj.phone)


class ContactOut(Schema):
    account_no: str
    phone: str


def _visible(request: AuthedRequest, account_no: str) -> Customer:
    customer = customer_get(user=request.user, account_no=account_no)
    if customer is None:
        raise Http404("No such customer.")
    return customer


@router.get("", response=list[CustomerOut], summary="Search customers")
@paginate(PageNumberPagination, page_size=50)
def customer_list(request: AuthedRequest, q: str = "") -> Any:
    """Customers visible to the caller, optionally filtered by account number prefix,
    part of the name or the address."""
    return customer_search(user=request.user, query=q[:100])


@router.get("/{account_no}", response=CustomerOut, summary="One customer")
def customer_detail(request: AuthedRequest, account_no: str) -> Customer:
    """A customer by account number; 404 when absent or outside the caller's scope."""
    return _visible(request, account_no)


@router.post("/{account_no}/contact", response=ContactOut, summary="Unmasked contact (logged)")
def customer_contact(request: AuthedRequest, account_no: str) -> dict[str, str]:
    """The unmasked phone, for roles that need it; every call is logged."""
    customer = _visible(request, account_no)
    phone = customer_contact_reveal(
        customer=customer,
        actor=request.user,
        channel=DisclosureEvent.Channel.API,
    )
    return {"account_no": customer.account_no, "phone": phone}
