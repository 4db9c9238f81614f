"""Run inside the demo installation of ``test_every_page`` (``python -m
tests.browser.every_page_samples USERNAME …``): for each login, one object of each kind
of detail page that this login may open, as JSON ``{username: {kind: value}}``.

The kinds are the ``{placeholders}`` of the page list in ``test_every_page``; a kind a
login may not see is left out, and the test then fails naming it (the demo is seeded, so
the same objects come back every run).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import django


def _first(queryset: Any, field: str = "pk") -> Any:
    row = queryset.order_by("pk").values_list(field, flat=True).first()
    return None if row is None else row


def staff_samples(username: str) -> dict[str, Any]:
    from gridcrm.archive.selectors import customers_visible_to
    from gridcrm.grid.models import Feeder, Transformer
    from gridcrm.grid.selectors import substations_visible_to
    from gridcrm.jobs.selectors import jobs_visible_to
    from gridcrm.keyaccounts.selectors import keyaccounts_visible_to
    from gridcrm.lake.models import LakeImport
    from gridcrm.load.models import Plan
    from gridcrm.service.selectors import notices_visible_to, requests_visible_to
    from gridcrm.users.models import User

    user = User.objects.get(username=username)
    customers = customers_visible_to(user=user)
    substations = substations_visible_to(user=user)
    # A company (not a household) shows the most panels on its 360° page.
    company = customers.exclude(tariff_category="residential")
    out: dict[str, Any] = {
        "customer": _first(company, "account_no") or _first(customers, "account_no"),
        "keyaccount": _first(keyaccounts_visible_to(user=user), "customer__account_no"),
        "request": _first(requests_visible_to(user=user)),
        "notice": _first(notices_visible_to(user=user)),
        "plan": _first(Plan.objects.filter(status="published")) or _first(Plan.objects.all()),
        "feeder": _first(Feeder.objects.filter(substation__in=substations), "code"),
        "transformer": _first(
            Transformer.objects.filter(feeder__substation__in=substations), "code"
        ),
        "job": _first(jobs_visible_to(user=user)),
        "lake_import": _first(LakeImport.objects.all()),
    }
    return {kind: value for kind, value in out.items() if value is not None}


def portal_samples(username: str) -> dict[str, Any]:
    from gridcrm.portal import selectors
    from gridcrm.users.models import User

    user = User.objects.get(username=username)
    customer = selectors.portal_accounts(user=user).order_by("account_no").first()
    if customer is None:
        return {}
    notices = selectors.inbox(customer=customer)
    requests = selectors.requests_of(customer=customer)
    out: dict[str, Any] = {
        "portal_account": customer.account_no,
        "portal_notice": notices[0].notice.pk if notices else None,
        "portal_request": requests[0].pk if requests else None,
    }
    return {kind: value for kind, value in out.items() if value is not None}


def main(usernames: list[str]) -> None:
    django.setup()
    from gridcrm.portal.selectors import is_portal_user
    from gridcrm.users.models import User

    samples = {}
    for username in usernames:
        user = User.objects.get(username=username)
        samples[username] = (
            portal_samples(username) if is_portal_user(user=user) else staff_samples(username)
        )
    print(json.dumps(samples, default=str))  # noqa: T201 - the caller reads stdout


if __name__ == "__main__":
    main(sys.argv[1:])
