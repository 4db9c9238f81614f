"""Everything GridCRM holds about one account, for the customer's own data page and the
data-access download (PIPL): the archive's fields (from its one field registry), credit,
usage, requests, notices, bindings and who disclosed the contact data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer


def personal_data(*, customer: Customer) -> dict[str, Any]:
    """The account's data as plain values (its own holder sees them unmasked)."""
    from gridcrm.archive.registry import all_specs
    from gridcrm.archive.selectors import disclosures_of
    from gridcrm.credit.selectors import customer_credit
    from gridcrm.portal.selectors import (
        active_bindings,
        binding_history,
        inbox,
        requests_of,
        usage_months,
    )

    fields = [
        {
            "name": spec.name,
            "label": str(spec.label),
            "tier": int(spec.tier),
            "value": spec.display(spec.get(customer)),
        }
        for spec in all_specs()
        if spec.applies(customer)
    ]
    credit = customer_credit(customer=customer)
    return {
        "account_no": customer.account_no,
        "fields": fields,
        "credit": {
            "grade": credit.grade,
            "reasons": [{"label": str(r["label"]), "value": r["value"]} for r in credit.reasons],
        },
        "usage": [
            {"month": u.month.isoformat(), "kwh": u.kwh, "peak_share": round(u.peak_share, 3)}
            for u in usage_months(customer=customer)
        ],
        "requests": [
            {
                "number": r.number,
                "type": str(r.request_type),
                "status": r.status,
                "created_at": r.created_at.isoformat(),
                "summary": r.summary,
                "rating": r.rating,
            }
            for r in requests_of(customer=customer)
        ],
        "notices": [
            {"title": row.notice.title, "read": row.read} for row in inbox(customer=customer)
        ],
        "portal_logins": [
            {"login": b.user.username, "bound_at": b.bound_at.isoformat()}
            for b in active_bindings(customer=customer)
        ],
        "binding_history": [
            {"at": e.at.isoformat(), "what": e.kind} for e in binding_history(customer=customer)
        ],
        "disclosures": [
            {
                "at": d.at.isoformat(),
                "by": str(d.acting_user) if d.acting_user else "",
                "fields": d.fields,
                "through": d.kind,
            }
            for d in disclosures_of(customer=customer)
        ],
    }
