"""Staff pages of the customer archive; every lookup goes through the scoping selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcrm.archive.industries import industry_label
from gridcrm.archive.masking import mask_phone
from gridcrm.archive.models import Customer, DisclosureEvent
from gridcrm.archive.selectors import customer_get, customer_search
from gridcrm.archive.services import can_see_contact, customer_contact_reveal
from gridcrm.jobs.models import JobKind
from gridcrm.jobs.services import job_start
from gridcrm.web.http import AuthedRequest

PAGE_SIZE = 25


def _visible_customer(request: AuthedRequest, account_no: str) -> Customer:
    customer = customer_get(user=request.user, account_no=account_no)
    if customer is None:
        # Out of scope looks exactly like absent: no hint that the account exists.
        raise Http404(_("No such customer."))
    return customer


@login_required
def customer_list(request: AuthedRequest) -> HttpResponse:
    """Search and page through the customers the user may see."""
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(customer_search(user=request.user, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for customer in page.object_list:
        customer.masked_phone = mask_phone(customer.phone)
    template = "archive/_customer_rows.html" if request.htmx else "archive/customer_list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "q": query,
            "can_export": request.user.has_perm("archive.export_customers"),
        },
    )


@login_required
def customer_detail(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The customer page (the start of the 360° view)."""
    customer = _visible_customer(request, account_no)
    return render(
        request,
        "archive/customer_detail.html",
        {
            "customer": customer,
            "masked_phone": mask_phone(customer.phone),
            "can_reveal": can_see_contact(user=request.user),
            "industry_name": industry_label(customer.industry_code, language=get_language()),
        },
    )


@login_required
@require_POST
def customer_contact(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Reveal the unmasked phone to a role that needs it; the disclosure is logged."""
    customer = _visible_customer(request, account_no)
    phone = customer_contact_reveal(
        customer=customer,
        actor=request.user,
        channel=DisclosureEvent.Channel.WEB,
    )
    return render(request, "archive/_contact.html", {"phone": phone})


@login_required
@require_POST
def customer_export(request: AuthedRequest) -> HttpResponse:
    """Start a CSV export of the current search as a background job."""
    if not request.user.has_perm("archive.export_customers"):
        raise Http404
    job = job_start(
        kind=JobKind.EXPORT_CUSTOMERS,
        created_by=request.user,
        params={
            "q": request.POST.get("q", "")[:100],
            "unmasked": request.POST.get("unmasked") == "on",
            "language": get_language(),
        },
    )
    messages.success(request, _("Export started; it appears below when ready."))
    return redirect("jobs:job_detail", job_id=job.pk)
