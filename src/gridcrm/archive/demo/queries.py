"""Reads of the demo's customers for the demo app and the other apps' demo modules.

They reach customers through these functions instead of importing ``archive.models``.
What they get back is plain values or customers to pass on to the other apps' services.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from gridcrm.archive.models import Customer

if TYPE_CHECKING:
    from gridcrm.users.models import User


def customer_count() -> int:
    """How many customers the archive holds."""
    return Customer.objects.count()


def customers_in_regions(region_ids: Sequence[int]) -> QuerySet[Customer]:
    """The customers served by these regions, for the demo's reset to clear and delete."""
    return Customer.objects.filter(region_id__in=list(region_ids))


def customers_outside_regions(region_ids: Sequence[int]) -> int:
    """How many customers are served by regions other than these."""
    return Customer.objects.exclude(region_id__in=list(region_ids)).count()


def customer_count_under(path: str) -> int:
    """How many customers the region of ``path`` and the regions below it serve."""
    return Customer.objects.filter(
        Q(region__path=path) | Q(region__path__startswith=f"{path}.")
    ).count()


def key_account_count(*, manager: User | None = None) -> int:
    """Customers with a key-account manager (``manager``'s only, if given)."""
    if manager is not None:
        return Customer.objects.filter(account_manager=manager).count()
    return Customer.objects.filter(account_manager__isnull=False).count()


def portal_customer(user: User) -> Customer | None:
    """The customer whose portal login ``user`` is, if any."""
    return Customer.objects.filter(portal_user=user).select_related("region").first()


def customer_pks(
    *, segment: str | None = None, station_codes: Sequence[str] = (), limit: int | None = None
) -> list[int]:
    """Keys of customers in key order, of a segment and of some stations if given."""
    rows = Customer.objects.order_by("pk")
    if segment is not None:
        rows = rows.filter(segment=segment)
    if station_codes:
        rows = rows.filter(region__code__in=list(station_codes))
    keys = rows.values_list("pk", flat=True)
    return list(keys[:limit] if limit is not None else keys)


def customer_pks_by_account() -> list[int]:
    """Keys of every customer, in account-number order."""
    return list(Customer.objects.order_by("account_no").values_list("pk", flat=True))


def customer_get(pk: int) -> Customer:
    """One customer with its region."""
    return Customer.objects.select_related("region").get(pk=pk)


def customer_fact_rows() -> Iterator[tuple[Any, ...]]:
    """(account_no, segment, industry_code, tariff_category, contracted_kva, voltage_level,
    account_manager_id) of every customer in account order, for the lake's demo facts."""
    rows = Customer.objects.order_by("account_no").values_list(
        "account_no",
        "segment",
        "industry_code",
        "tariff_category",
        "contracted_kva",
        "voltage_level",
        "account_manager_id",
    )
    return rows.iterator(chunk_size=5000)


def customers_of_segments(
    segments: Sequence[str], *, exclude_pks: Sequence[int] = ()
) -> Iterator[Customer]:
    """Customers of these segments with a contracted capacity, in key order."""
    rows = (
        Customer.objects.filter(segment__in=list(segments), contracted_kva__gt=0)
        .exclude(pk__in=list(exclude_pks))
        .order_by("pk")
    )
    return rows.iterator(chunk_size=2000)


def transformer_areas(station_code: str, *, limit: int) -> list[str]:
    """The first ``limit`` transformer areas (台区) of a station's customers, by name."""
    return list(
        Customer.objects.filter(region__code=station_code)
        .exclude(transformer_area="")
        .values_list("transformer_area", flat=True)
        .distinct()
        .order_by("transformer_area")[:limit]
    )
