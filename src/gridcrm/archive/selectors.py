"""Reads of the customer archive. ``customers_visible_to`` is the only door to customer data."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from gridcrm.archive.models import Customer
from gridcrm.users.models import User
from gridcrm.users.roles import COMPANY_WIDE_ROLES, Role
from gridcrm.users.selectors import user_roles


def customers_visible_to(*, user: User | AnonymousUser) -> QuerySet[Customer]:
    """Only the customers this user's role and scope allow; every list and page starts here.

    - company-wide roles (managers, agents, archive officers, planners, administrators)
      see every customer;
    - a regional collector sees the customers of their region and the regions below it;
    - a key-account manager sees their portfolio;
    - a business specialist sees the key accounts (customers with a manager);
    - a customer sees only themself;
    - anyone else sees nothing.
    A user holding several roles sees the union.
    """
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    if user.is_superuser:
        return Customer.objects.all()
    roles = user_roles(user=user)
    if roles & COMPANY_WIDE_ROLES:
        return Customer.objects.all()
    scope = Q(pk__in=[])
    if Role.REGIONAL_COLLECTOR in roles and user.region_id is not None:
        region_path = user.region.path  # type: ignore[union-attr]
        scope |= Q(region__path=region_path) | Q(region__path__startswith=f"{region_path}.")
    if Role.KEY_ACCOUNT_MANAGER in roles:
        scope |= Q(account_manager=user)
    if Role.BUSINESS_SPECIALIST in roles:
        scope |= Q(account_manager__isnull=False)
    if Role.CUSTOMER in roles:
        scope |= Q(portal_user=user)
    return Customer.objects.filter(scope)


def customer_search(*, user: User | AnonymousUser, query: str) -> QuerySet[Customer]:
    """Visible customers matching an account number prefix, or part of a name or address."""
    customers = customers_visible_to(user=user).select_related("region")
    query = query.strip()
    if not query:
        return customers
    if query.isdigit():
        return customers.filter(account_no__startswith=query)
    return customers.filter(Q(name__contains=query) | Q(address__contains=query))


def customer_get(*, user: User | AnonymousUser, account_no: str) -> Customer | None:
    """One visible customer by account number; ``None`` when absent or out of scope."""
    return (
        customers_visible_to(user=user)
        .select_related("region", "region__parent", "account_manager")
        .filter(account_no=account_no)
        .first()
    )


def segment_counts(*, user: User | AnonymousUser) -> dict[str, int]:
    """Visible customers per segment."""
    rows = customers_visible_to(user=user).values("segment").annotate(n=Count("pk"))
    return {row["segment"]: row["n"] for row in rows}


def station_segment_counts(*, user: User | AnonymousUser) -> list[tuple[str, str, int]]:
    """Visible customers per (supply station name, segment), stations in tree order."""
    return list(
        customers_visible_to(user=user)
        .values("region__path", "region__name", "segment")
        .annotate(n=Count("pk"))
        .order_by("region__path", "segment")
        .values_list("region__name", "segment", "n")
    )
