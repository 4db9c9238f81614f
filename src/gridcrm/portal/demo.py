"""The portal's part of the demo: customer logins holding real demo accounts — a
household (the ``customer`` login), a shop owner with a shop and a home, and a key
account's contact — each bound as a customer would be, so that their portal shows the
demo's usage, grades, notices and requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from django.db.models import Q, QuerySet

from gridcrm.archive.selectors import customers_matching
from gridcrm.portal import events
from gridcrm.portal.models import Binding
from gridcrm.users.roles import Role
from gridcrm.users.services import user_create

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

HOUSEHOLD = "customer"  # the demo's portal login (users.demo makes it)
SHOP_OWNER = "shopowner"
KEY_CONTACT = "keycontact"
PORTAL_DEMO_USERNAMES = (SHOP_OWNER, KEY_CONTACT)


@dataclass(frozen=True)
class PortalDemoLogin:
    username: str
    what: str
    accounts: list[str]


def _bind(user: User, customer: Customer) -> None:
    if not Binding.objects.filter(user=user, customer=customer, unbound_at__isnull=True).exists():
        Binding.objects.create(user=user, customer=customer)
        events.bound(user=user, customer=customer)


def _login(username: str, full_name: str, password: str) -> User:
    from gridcrm.users.demo import users_named

    found = users_named([username]).get(username)
    if found is not None:
        return found
    return user_create(
        username=username, password=password, full_name=full_name, role=Role.CUSTOMER
    )


def _with_readings(candidates: QuerySet[Customer]) -> Customer | None:
    """The first candidate whose monthly usage the lake has computed (only a share of the
    demo's households are metered every 15 minutes), else the first candidate."""
    from gridcrm.lake.selectors import load_features_of

    rows = list(candidates[:3000])
    measured = load_features_of(customer_ids=[c.pk for c in rows])
    return next((c for c in rows if measured.get(c.pk)), rows[0] if rows else None)


def demo_portal_data(*, password: str, stdout: TextIO | None = None) -> list[PortalDemoLogin]:
    """Bind the demo's portal logins to their accounts (idempotent)."""
    from gridcrm.users.demo import users_named

    logins: list[PortalDemoLogin] = []
    household_user = users_named([HOUSEHOLD]).get(HOUSEHOLD)
    home = customers_matching(condition=Q(portal_user=household_user)).first()
    if household_user is not None and home is not None:
        _bind(household_user, home)
        logins.append(PortalDemoLogin(HOUSEHOLD, "household", [home.account_no]))
    held = Binding.objects.values("customer_id")
    shop = _with_readings(
        customers_matching(condition=Q(segment="commercial"))
        .exclude(pk__in=held)
        .order_by("account_no")
    )
    if shop is not None:
        flat = _with_readings(
            customers_matching(condition=Q(segment="residential", region_id=shop.region_id))
            .exclude(pk__in=held)
            .exclude(portal_user__isnull=False)
            .order_by("account_no")
        )
        owner = _login(SHOP_OWNER, shop.name, password)
        _bind(owner, shop)
        accounts = [shop.account_no]
        if flat is not None:
            _bind(owner, flat)
            accounts.append(flat.account_no)
        logins.append(PortalDemoLogin(SHOP_OWNER, "shop owner with a shop and a home", accounts))
    key = _with_readings(
        customers_matching(
            condition=Q(account_manager__isnull=False, certificate_type="uscc")
        ).order_by("-contracted_kva", "account_no")
    )
    if key is not None:
        contact = _login(KEY_CONTACT, f"{key.name[:20]} 电气主管", password)
        _bind(contact, key)
        logins.append(PortalDemoLogin(KEY_CONTACT, "key account's contact", [key.account_no]))
    if stdout is not None:
        stdout.write(f"    {len(logins)} portal logins bound to their accounts\n")
    return logins


def portal_demo_logins() -> list[PortalDemoLogin]:
    """The demo's portal logins present in the database and the accounts they hold."""
    from gridcrm.users.demo import users_named

    users = users_named([HOUSEHOLD, *PORTAL_DEMO_USERNAMES])
    what = {
        HOUSEHOLD: "household",
        SHOP_OWNER: "shop owner with a shop and a home",
        KEY_CONTACT: "key account's contact",
    }
    found = []
    for username in (HOUSEHOLD, *PORTAL_DEMO_USERNAMES):
        user = users.get(username)
        if user is None:
            continue
        accounts = list(
            Binding.objects.filter(user=user, unbound_at__isnull=True)
            .order_by("customer__account_no")
            .values_list("customer__account_no", flat=True)
        )
        if accounts:
            found.append(PortalDemoLogin(username, what[username], accounts))
    return found
