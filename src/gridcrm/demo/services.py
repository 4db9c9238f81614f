"""Reads and writes around the demo data set: is it there, remove it, build it, who logs in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.db import models, transaction
from django.db.models import ForeignObjectRel, ManyToManyField, ManyToManyRel, QuerySet

from gridcrm.archive.demo import (
    customer_count,
    customer_count_under,
    customers_in_regions,
    customers_outside_regions,
    key_account_count,
    portal_customer,
)
from gridcrm.demo.generator import (
    COMPANY_CODE,
    DEMO_PASSWORD,
    STAFF,
    DemoResult,
    write_demo,
)
from gridcrm.grid.demo import grid_demo_delete
from gridcrm.portal.demo import PORTAL_DEMO_USERNAMES, PortalDemoLogin, portal_demo_logins
from gridcrm.users.demo import (
    region_get,
    regions_delete,
    regions_under,
    users_delete_query,
    users_named,
)
from gridcrm.users.roles import COMPANY_WIDE_ROLES, Role

if TYPE_CHECKING:
    from gridcrm.users.models import User

# The staff table's logins and the portal's extra customer logins (portal.demo).
DEMO_USERNAMES = (*(staff.username for staff in STAFF), *PORTAL_DEMO_USERNAMES)

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True, slots=True)
class DemoState:
    """What of the demo (or of anything else) the database already holds."""

    customers: int
    company_exists: bool
    demo_users: int

    @property
    def empty(self) -> bool:
        """True when the demo can be written without clashing with anything."""
        return not (self.customers or self.company_exists or self.demo_users)


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo login as the start-up banner shows it."""

    username: str
    password: str
    full_name: str
    role: Role
    scope: str


def _demo_region_ids() -> list[int]:
    return list(regions_under(COMPANY_CODE).values_list("pk", flat=True))


def demo_state() -> DemoState:
    """Count the customers, and look for the demo company and the demo logins."""
    return DemoState(
        customers=customer_count(),
        company_exists=region_get(COMPANY_CODE) is not None,
        demo_users=len(users_named(DEMO_USERNAMES)),
    )


def customers_outside_demo() -> int:
    """Customers served by regions that are not the demo company's: --reset keeps them."""
    return customers_outside_regions(_demo_region_ids())


def _clear_dependents(
    model: type[M], doomed: QuerySet[M], _seen: frozenset[type[models.Model]] = frozenset()
) -> None:
    """Remove every row that refers to ``doomed``, one query per relation.

    What refers to a demo customer or login is the demo's own history (jobs,
    disclosures, field changes, service requests …): it is deleted, whatever
    ``on_delete`` says, and so is what refers to that in turn; SET_NULL references
    are cleared. Walking the models' relations keeps this right as other apps add
    theirs.
    """
    seen = _seen | {model}
    keys = doomed.values("pk")
    for field in model._meta.many_to_many:
        if isinstance(field, ManyToManyField) and isinstance(field.remote_field.through, type):
            rows = field.remote_field.through._base_manager
            rows.filter(**{f"{field.m2m_field_name()}__in": keys}).delete()
    # Hidden relations too (``related_name="+"``: who published a rule set, who
    # approved a plan), which ``_meta.related_objects`` leaves out.
    relations = [
        f for f in model._meta.get_fields(include_hidden=True) if isinstance(f, ForeignObjectRel)
    ]
    for relation in relations:
        related_model = relation.related_model
        # A lazy "app.Model" reference is resolved once the apps are loaded.
        if isinstance(related_model, str):
            continue
        if isinstance(relation, ManyToManyRel):
            m2m = relation.field
            if isinstance(m2m, ManyToManyField) and isinstance(relation.through, type):
                rows = relation.through._base_manager
                rows.filter(**{f"{m2m.m2m_reverse_field_name()}__in": keys}).delete()
            continue
        dependents = related_model._base_manager.filter(**{f"{relation.field.name}__in": keys})
        if relation.on_delete is models.SET_NULL:
            dependents.update(**{relation.field.name: None})
            continue
        # A model met again (a self-reference, a cycle) is left to Django's collector.
        if related_model not in seen:
            _clear_dependents(related_model, dependents, seen)
        dependents.delete()


@transaction.atomic
def demo_reset() -> int:
    """Delete the demo company: its customers, logins and regions. Returns customers deleted.

    Customers are the ones served by a region of the demo tree; users of other
    names who were placed in that tree keep their account but lose the region.
    """
    customers = customers_in_regions(_demo_region_ids())
    _clear_dependents(customers.model, customers)
    # With nothing left referring to them, the customers go in one statement; the
    # ORM's delete() would load every key and delete in chunks of a hundred.
    deleted = customers._raw_delete(customers.db)
    users = users_delete_query(DEMO_USERNAMES)
    _clear_dependents(users.model, users)
    users.delete()
    # The grid registry hangs off the regions: its substations (and all below) go first.
    grid_demo_delete(region_ids=_demo_region_ids())
    regions_delete(COMPANY_CODE)
    return deleted


def demo_build(
    *, customers: int, seed: int, on_batch: Callable[[int], None] | None = None
) -> DemoResult:
    """Write the demo company into a database that holds none of it."""
    state = demo_state()
    if not state.empty:
        raise ValueError(
            "The database is not empty: "
            f"{state.customers:,} customers, {state.demo_users} demo logins, "
            f"demo company {'present' if state.company_exists else 'absent'}."
        )
    return write_demo(customers=customers, seed=seed, on_batch=on_batch)


def _scope(user: User, role: Role) -> str:
    if user.is_superuser or role in COMPANY_WIDE_ROLES:
        return f"all {customer_count():,} customers"
    if role in (Role.REGIONAL_COLLECTOR, Role.INSPECTOR) and user.region is not None:
        count = customer_count_under(user.region.path)
        return f"{count:,} customers of {user.region.name}"
    if role == Role.KEY_ACCOUNT_MANAGER:
        return f"portfolio of {key_account_count(manager=user):,} key accounts"
    if role == Role.BUSINESS_SPECIALIST:
        return f"all {key_account_count():,} key accounts"
    if role == Role.CUSTOMER:
        own = portal_customer(user)
        return f"own account {own}" if own else "no account linked"
    return ""


def demo_logins() -> list[DemoLogin]:
    """The demo logins present in the database, in the order of the staff table."""
    users = users_named(DEMO_USERNAMES)
    logins = []
    for staff in STAFF:
        user = users.get(staff.username)
        if user is None:
            continue
        logins.append(
            DemoLogin(
                username=user.username,
                password=DEMO_PASSWORD,
                full_name=user.full_name,
                role=staff.role,
                scope=_scope(user, staff.role),
            )
        )
    return logins


def portal_logins() -> list[PortalDemoLogin]:
    """The demo's portal logins and the accounts each holds."""
    return portal_demo_logins()
