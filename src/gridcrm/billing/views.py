"""Pages of billing: the account card of the customer 360° page (an htmx fragment)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from gridcrm.billing import selectors
from gridcrm.web.http import AuthedRequest


@login_required
def customer_panel(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Bills, payments, balance, arrears by age and late fees of a customer the user may
    see (404 otherwise); each overdue or open bill offers a grace request prefilled with
    the bill, when the credit policy grants grace and the role may ask for it."""
    view = selectors.account_view_visible(user=request.user, account_no=account_no)
    return render(
        request,
        "billing/_account.html",
        {
            "v": view,
            "account_no": account_no,
            "can_request_grace": request.user.has_perm("service.request_grace")
            and view.grace_max_days > 0,
        },
    )
