"""Reads of the customer archive. ``customers_visible_to`` is the only door to customer data."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, overload

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import BooleanField, Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from gridcrm.archive.models import (
    ChangeRequest,
    Customer,
    DisclosureEvent,
    FieldChange,
    PublicCreditEntry,
    RuleSetVersion,
)
from gridcrm.archive.personal import last4_search_hashes, phone_search_hashes
from gridcrm.archive.registry import TIER_WEIGHTS, FieldSpec, Tier, all_specs
from gridcrm.core.errors import NotFound
from gridcrm.core.extensions import PORTAL_ACCOUNTS
from gridcrm.users.roles import COMPANY_WIDE_ROLES, Role
from gridcrm.users.selectors import user_roles

if TYPE_CHECKING:
    from gridcrm.users.models import User


def customers_visible_to(*, user: User | AnonymousUser) -> QuerySet[Customer]:
    """Only the customers this user's role and scope allow; every list and page starts here.

    - company-wide roles (managers, agents, archive officers, planners, administrators)
      see every customer;
    - a regional collector or an inspector sees the customers of their region and the
      regions below it;
    - a key-account manager sees their portfolio and the accounts they back up;
    - a business specialist sees the key accounts (customers with a manager);
    - a customer sees only themself;
    - anyone else sees nothing.
    A user holding several roles sees the union.
    """
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    # Roles only, superusers included: being a superuser is about administering accounts.
    roles = user_roles(user=user)
    if roles & COMPANY_WIDE_ROLES:
        return Customer.objects.all()
    scope = Q(pk__in=[])
    if roles & {Role.REGIONAL_COLLECTOR, Role.INSPECTOR} and user.region_id is not None:
        region_path = user.region.path  # type: ignore[union-attr]
        scope |= Q(region__path=region_path) | Q(region__path__startswith=f"{region_path}.")
    if Role.KEY_ACCOUNT_MANAGER in roles:
        # A backup manager covers the account while its manager is away.
        scope |= Q(account_manager=user) | Q(key_account__backup_manager=user)
    if Role.BUSINESS_SPECIALIST in roles:
        scope |= Q(account_manager__isnull=False)
    if Role.CUSTOMER in roles:
        held = PORTAL_ACCOUNTS.get()
        scope |= Q(portal_user=user) if held is None else held(user)
    return Customer.objects.filter(scope)


def customer_search(*, user: User | AnonymousUser, query: str) -> QuerySet[Customer]:
    """Visible customers matching the query, read as what it looks like:

    - four digits: the last four digits of the phone (or an account number prefix);
    - a mobile number (11 digits starting with 1) or a landline: the phone;
    - other digits: an account number prefix;
    - anything else: part of the name or the address.
    """
    customers = customers_visible_to(user=user).select_related("region")
    query = query.strip()
    if not query:
        return customers
    digits = _as_number(query)
    if digits is not None:
        # Phones are sealed: found through their keyed hashes (``archive.personal``).
        if len(digits) == 4:
            return customers.filter(
                Q(phone_last4_hash__in=last4_search_hashes(digits)) | _account_prefix_q(digits)
            )
        if len(digits) == 11 and digits.startswith("1"):
            hashes = phone_search_hashes(digits)
            return customers.filter(Q(phone_hash__in=hashes) | Q(phone_alt_hash__in=hashes))
        if len(digits) > 10:  # a landline with its area code, typed with or without the dash
            return customers.filter(phone_hash__in=phone_search_hashes(digits))
        return customers.filter(_account_prefix_q(digits))
    if len(query) == 2 and connection.vendor == "postgresql":
        # Trigram indexes need three characters; two go through the GIN index of the
        # stored bigrams of name and address (``archive.bigrams``, migration 0007), which
        # PostgreSQL alone has. A string of two characters is in the name or the address
        # exactly when it is one of their bigrams, so no LIKE is added: its selectivity,
        # multiplied in, made the planner expect one row.
        return customers.filter(
            RawSQL(
                "archive_customer.search_bigrams @> ARRAY[%s]::text[]",
                [query],
                output_field=BooleanField(),
            )
        )
    return customers.filter(Q(name__contains=query) | Q(address__contains=query))


def customer_list_rows(
    *, user: User | AnonymousUser, query: str, cap: int
) -> QuerySet[Customer] | CustomerShortlist:
    """The rows the customer list (page and API) pages through for ``query``, in account
    number order.

    A search by part of a name or an address ("王", a street) can match tens of thousands
    of customers spread over the whole table; sorting them all on every page view costs
    seconds on a million customers, and nobody pages through them: they narrow the
    search. So such a search lists the first ``cap + 1`` matches found (one scan of the
    search indexes that stops there), sorted by account number, and the list says "more
    than 1,000" (the pages pass the cap their paginator counts to, ``web.paging``). With
    at most ``cap`` matches, that is every match. Number searches use the account
    number's and the phones' b-trees, which give the order directly, and are left whole.
    """
    matches = customer_search(user=user, query=query)
    if not query.strip() or _as_number(query.strip()) is not None:
        return matches
    found = matches.order_by().values_list("pk", "account_no")[: cap + 1]
    return CustomerShortlist([pk for pk, _account_no in sorted(found, key=itemgetter(1))])


class CustomerShortlist(Sequence[Customer]):
    """Customers by id in a fixed order, read a page at a time: what a paginator needs
    (length and slices) without asking the database to sort or count them again."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Customer: ...

    @overload
    def __getitem__(self, index: slice) -> list[Customer]: ...

    def __getitem__(self, index: int | slice) -> Customer | list[Customer]:
        ids = self.ids[index] if isinstance(index, slice) else [self.ids[index]]
        # The ids were read through the caller's visible customers.
        rows = Customer.objects.select_related("region").in_bulk(ids)
        customers = [rows[pk] for pk in ids if pk in rows]  # a row deleted meanwhile is skipped
        if isinstance(index, slice):
            return customers
        if not customers:
            raise IndexError(index)
        return customers[0]


def _as_number(query: str) -> str | None:
    """The digits of a query typed as a number (dashes and spaces allowed), else None."""
    digits = query.replace("-", "").replace(" ", "")
    return digits if digits.isdigit() else None


def _account_prefix_q(digits: str) -> Q:
    """Account numbers starting with ``digits``, written as a range so the b-tree of
    ``account_no`` serves it in order (account numbers are ten digits, so the range is
    exactly the prefix). A LIKE beside it made PostgreSQL pick the pattern index, which
    has no order, and sort every match of a short prefix."""
    condition = Q(account_no__gte=digits)
    stem = digits.rstrip("9")
    if stem:  # the next prefix: "0399" -> "04"; "99" has none
        condition &= Q(account_no__lt=stem[:-1] + str(int(stem[-1]) + 1))
    return condition


def customer_get(*, user: User | AnonymousUser, account_no: str) -> Customer | None:
    """One visible customer by account number; ``None`` when absent or out of scope."""
    return (
        customers_visible_to(user=user)
        .select_related("region", "region__parent", "account_manager")
        .filter(account_no=account_no)
        .first()
    )


def customer_get_visible(*, user: User | AnonymousUser, account_no: str) -> Customer:
    """One visible customer by account number, or ``NotFound`` (code
    ``archive.customer_not_found``) when absent or out of scope — the two look alike."""
    customer = customer_get(user=user, account_no=account_no)
    if customer is None:
        raise NotFound(
            _("No customer with account number %(account_no)s.") % {"account_no": account_no},
            code="archive.customer_not_found",
        )
    return customer


def customer_is_visible(*, user: User | AnonymousUser, customer_id: int) -> bool:
    """Whether ``user`` may see the customer with this primary key."""
    return customers_visible_to(user=user).filter(pk=customer_id).exists()


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


def blank_q(field_spec: FieldSpec) -> Q:
    """Rows where a field holds no value (NULL, empty text, or an absent extension key)."""
    if field_spec.custom is not None:
        name = field_spec.name
        return (
            ~Q(extra__has_key=name)
            | Q(**{f"extra__{name}__isnull": True})
            | Q(**{f"extra__{name}": ""})
        )
    column = field_spec.column
    if column.null:
        return Q(**{f"{field_spec.name}__isnull": True})
    if column.is_relation or column.get_internal_type() not in ("CharField", "TextField"):
        # A required relation or number is never blank; comparing it with "" is an error.
        return Q(pk__isnull=True)
    return Q(**{field_spec.name: ""})


def applies_q(field_spec: FieldSpec) -> Q:
    """Rows the field applies to."""
    if field_spec.applies_to is None:
        return Q()
    return Q(segment__in=sorted(field_spec.applies_to))


def tier2_worklist(*, user: User | AnonymousUser) -> QuerySet[Customer]:
    """Visible customers missing applicable tier-2 data, most valuable first.

    Value is the annual consumption, then the contracted capacity: a gap in a large
    customer's record costs more than one in a household's.
    """
    missing = Q(pk__in=[])
    for field_spec in all_specs():
        if field_spec.tier == Tier.TWO and field_spec.fillable:
            missing |= applies_q(field_spec) & blank_q(field_spec)
    return (
        customers_visible_to(user=user)
        .filter(missing)
        .select_related("region")
        .order_by(
            F("annual_kwh").desc(nulls_last=True), F("contracted_kva").desc(nulls_last=True), "pk"
        )
    )


@dataclass(frozen=True)
class Rate:
    """How many customers a field applies to, and how many have it filled."""

    applicable: int
    filled: int

    @property
    def percent(self) -> float:
        return round(100 * self.filled / self.applicable, 1) if self.applicable else 100.0


def completeness_rates(*, user: User | AnonymousUser) -> dict[str, Any]:
    """Fill rates of the visible customers by station, tier and category, in one query.

    Counts are grouped by station and segment; whether a field applies depends only
    on the segment, so the applicable count of a field is a sum over its segments.
    """
    specs = [s for s in all_specs() if s.name != "segment"]
    aggregates = {f"f{i}": Count("pk", filter=~blank_q(s)) for i, s in enumerate(specs)}
    rows = list(
        customers_visible_to(user=user)
        .values("region__path", "region__name", "segment")
        .annotate(n=Count("pk"), **aggregates)
        .order_by("region__path")
    )
    by_station: dict[str, list[int]] = {}
    by_tier: dict[int, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    by_field: dict[str, list[int]] = {}
    for row in rows:
        for i, s in enumerate(specs):
            if s.applies_to is not None and row["segment"] not in s.applies_to:
                continue
            pair = (row["n"], row[f"f{i}"])
            weight = TIER_WEIGHTS[s.tier]
            for key, bucket, w in (
                (row["region__name"], by_station, weight),
                (int(s.tier), by_tier, 1),
                (str(s.category), by_category, 1),
                (s.name, by_field, 1),
            ):
                acc = bucket.setdefault(key, [0, 0])  # type: ignore[arg-type]
                acc[0] += pair[0] * w
                acc[1] += pair[1] * w
    return {
        "station": {k: Rate(*v) for k, v in by_station.items()},
        "tier": {k: Rate(*v) for k, v in sorted(by_tier.items())},
        "category": {k: Rate(*v) for k, v in by_category.items()},
        "field": {k: Rate(*v) for k, v in by_field.items()},
        "specs": specs,
    }


def change_requests_pending(*, user: User) -> QuerySet[ChangeRequest]:
    """Change requests of customers the user can see that wait for an archive officer,
    oldest first."""
    return (
        ChangeRequest.objects.filter(
            status=ChangeRequest.Status.PENDING, customer__in=customers_visible_to(user=user)
        )
        .select_related("customer", "requested_by")
        .order_by("requested_at", "pk")
    )


def change_requests_to_decide(*, user: User) -> QuerySet[ChangeRequest]:
    """The pending change requests this user may decide: those of customers they can see
    that someone else asked for (four eyes: nobody approves their own), oldest first."""
    return change_requests_pending(user=user).exclude(requested_by=user)


def change_requests_visible_to(*, user: User) -> QuerySet[ChangeRequest]:
    """Change requests of customers the user can see."""
    return ChangeRequest.objects.filter(
        customer__in=customers_visible_to(user=user)
    ).select_related("customer", "requested_by", "decided_by")


def customer_history(*, customer: Customer) -> QuerySet[FieldChange]:
    """Every recorded change of the customer, newest first."""
    return customer.history.select_related("acting_user", "change_request__decided_by").order_by(
        "-at", "-pk"
    )


def customers_in_region(*, region_path: str) -> QuerySet[Customer]:
    """Every customer of the region with this path and of the regions below it, whoever
    asks (for company-wide computations such as orderly-use plans; pages scope with
    ``customers_visible_to``)."""
    return Customer.objects.filter(
        Q(region__path=region_path) | Q(region__path__startswith=f"{region_path}.")
    )


def customer_ids_by_account(*, account_nos: Iterable[str] | None = None) -> dict[str, int]:
    """Account number → primary key of every customer, or of those named in
    ``account_nos`` (unknown numbers are left out)."""
    customers = Customer.objects.all()
    if account_nos is not None:
        customers = customers.filter(account_no__in=set(account_nos))
    return dict(customers.values_list("account_no", "pk").iterator(chunk_size=20000))


def customer_account_numbers() -> Iterator[str]:
    """Every customer's account number, streamed (a city company has a million)."""
    return Customer.objects.values_list("account_no", flat=True).iterator(chunk_size=20000)


def customers_matching(*, condition: Q) -> QuerySet[Customer]:
    """Every customer meeting ``condition`` (a ``Q`` over customer fields), whoever may see
    them: for rules another app keeps over the archive and runs as the system (the
    key-account roster)."""
    return Customer.objects.filter(condition)


def customers_for_rating() -> list[tuple[Any, ...]]:
    """Every customer as ``(id, account_no, segment, industry_code or "", contracted kVA
    as a float, credit_blacklisted, the UTC day it was created)`` — the day as a date on
    PostgreSQL, as ISO text on SQLite — for the credit rating of every customer.

    One plain query: a city company has a million customers, and ORM rows and time-zone
    conversions would cost more than the rating itself."""
    qn = connection.ops.quote_name
    if connection.vendor == "sqlite":
        real, day = "REAL", "date(created_at)"
    else:
        real, day = "double precision", "CAST(created_at AS date)"
    sql = (
        f"SELECT id, account_no, segment, COALESCE(industry_code, ''), "  # noqa: S608
        f"CAST(contracted_kva AS {real}), credit_blacklisted, {day} "
        f"FROM {qn(Customer._meta.db_table)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def customer_keys() -> QuerySet[Customer, Any]:
    """Every customer's ``id`` and ``account_no``, unordered, for another app's set-based
    SQL to join (``customer_keys().query.sql_with_params()``) without naming the table."""
    return Customer.objects.order_by().values("id", "account_no")


def customers_derived_values(*, field: str) -> Iterator[tuple[int, str, Any]]:
    """``(id, account_no, stored value)`` of every customer for one derived field, streamed
    (a city company has a million), for the run that derives it to learn which customers
    its new figures change. ``KeyError`` for a field that is not a built-in derived one."""
    if field not in {s.name for s in all_specs(with_custom=False) if s.is_derived}:
        raise KeyError(field)
    rows = Customer.objects.order_by().values_list("id", "account_no", field)
    return rows.iterator(chunk_size=20000)


def rule_set_versions(*, limit: int = 20) -> list[RuleSetVersion]:
    """The newest published versions of the mapping rules, with who published them."""
    return list(RuleSetVersion.objects.select_related("published_by").order_by("-number")[:limit])


def credit_list_sources() -> list[dict[str, Any]]:
    """The imported public credit lists: ``source``, ``list_name`` and how many entries."""
    return list(
        PublicCreditEntry.objects.values("source", "list_name")
        .annotate(n=Count("pk"))
        .order_by("source", "list_name")
    )


def disclosures_of(*, customer: Customer, limit: int = 100) -> QuerySet[DisclosureEvent]:
    """Who saw this customer's contact data unmasked, and when, newest first (the
    customer's own view of disclosures, PIPL)."""
    return DisclosureEvent.objects.filter(customer=customer).select_related("acting_user")[:limit]


def transformer_areas_under(*, path: str | None) -> list[tuple[str, str, str]]:
    """The transformer areas (台区) of the customers under the region at ``path`` (every
    region for ``None``): (station code, station name, area), by station then area — what
    a notice author picks an audience from."""
    rows = Customer.objects.exclude(transformer_area="")
    if path is not None:
        rows = rows.filter(Q(region__path=path) | Q(region__path__startswith=f"{path}."))
    return list(
        rows.values_list("region__code", "region__name", "transformer_area")
        .distinct()
        .order_by("region__path", "transformer_area")
    )
