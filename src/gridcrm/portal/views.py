"""The portal's pages: phone-first, in the portal's own layout. Every page of an account
starts from the login's bound accounts; anything else answers 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridcrm.billing.selectors import account_view
from gridcrm.portal import forms, selectors, services
from gridcrm.portal.data import personal_data
from gridcrm.portal.requests import CUSTOMER_TYPES
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest

View = Callable[..., HttpResponse]


def portal_page(view: View) -> View:
    """Signed-in customer logins only; staff get 404 (they never use the portal)."""

    @login_required
    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.is_portal_user(user=request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _held(request: AuthedRequest) -> list[Any]:
    """The login's accounts, read once a request (the page and its account switcher)."""
    held: list[Any] | None = getattr(request, "_portal_held", None)
    if held is None:
        held = list(selectors.portal_accounts(user=request.user))
        request._portal_held = held  # type: ignore[attr-defined]
    return held


def _context(request: AuthedRequest, account: Any, tab: str, **extra: Any) -> dict[str, Any]:
    return {"account": account, "accounts": _held(request), "tab": tab, **extra}


def _account(request: AuthedRequest, account_no: str) -> Any:
    found = next((c for c in _held(request) if c.account_no == account_no), None)
    if found is None:
        raise Http404
    return found


def register(request: HttpRequest) -> HttpResponse:
    """Step one sends a code to the mobile number; step two checks it and creates the login."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = forms.RegisterForm(request.POST or None)
    sent = False
    error = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "send":
            with page_errors(request, quiet=True) as outcome:
                services.code_send(phone=data["phone"], ip=_ip(request))
            sent, error = not outcome.failed, outcome.error
        else:
            sent = True
            with page_errors(request, quiet=True) as outcome:
                user = services.register(
                    phone=data["phone"],
                    code=data["code"],
                    password=data["password"],
                    full_name=data["full_name"],
                    ip=_ip(request),
                )
                login(request, user, backend="gridcrm.users.backends.RoleBackend")
                return redirect("portal:bind")
            error = outcome.error
    return render(request, "portal/register.html", {"form": form, "sent": sent, "error": error})


@portal_page
def home(request: AuthedRequest) -> HttpResponse:
    first = selectors.portal_accounts(user=request.user).first()
    if first is None:
        return redirect("portal:bind")
    return redirect("portal:account", account_no=first.account_no)


@portal_page
def bind(request: AuthedRequest) -> HttpResponse:
    form = forms.BindForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        with page_errors(request, quiet=True) as outcome:
            binding = services.account_bind(
                user=request.user,
                account_no=form.cleaned_data["account_no"],
                proof=form.cleaned_data["proof"],
                ip=_ip(request),
            )
            return redirect("portal:account", account_no=binding.customer.account_no)
        error = outcome.error
    return render(
        request,
        "portal/bind.html",
        _context(request, None, "bind", form=form, error=error),
    )


@portal_page
def unbind(request: AuthedRequest, account_no: str) -> HttpResponse:
    account = _account(request, account_no)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    for binding in selectors.active_bindings(customer=account).filter(user=request.user):
        services.account_unbind(binding=binding, acting_user=request.user)
    return redirect("portal:home")


@portal_page
def account(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The summary: credit grade and what it means, this month's usage, the tariff, the
    orderly-use schedule, unread notices and open requests."""
    from gridcrm.credit.selectors import customer_terms

    customer = _account(request, account_no)
    usage = selectors.usage_months(customer=customer)
    today = timezone.localdate()
    return render(
        request,
        "portal/account.html",
        _context(
            request,
            customer,
            "home",
            credit=customer_terms(customer=customer),
            usage=usage[:1],
            tariff=selectors.tariff_for(customer=customer, today=today, usage=usage),
            schedules=selectors.schedules_of(customer=customer, limit=3),
            inbox=selectors.inbox(customer=customer)[:3],
        ),
    )


@portal_page
def usage(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = _account(request, account_no)
    rows = selectors.usage_months(customer=customer)
    tariff = selectors.tariff_for(customer=customer, today=timezone.localdate(), usage=rows)
    return render(
        request, "portal/usage.html", _context(request, customer, "usage", rows=rows, tariff=tariff)
    )


@portal_page
def bills(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The customer's bills, payments, balance, arrears and late fees (billing's account)."""
    customer = _account(request, account_no)
    view = account_view(customer=customer)
    return render(request, "portal/bills.html", _context(request, customer, "bills", v=view))


@portal_page
def notices(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = _account(request, account_no)
    return render(
        request,
        "portal/notices.html",
        _context(request, customer, "notices", rows=selectors.inbox(customer=customer)),
    )


@portal_page
def notice(request: AuthedRequest, account_no: str, pk: int) -> HttpResponse:
    """One notice; opening it records the read receipt."""
    customer = _account(request, account_no)
    found = selectors.notice_get(customer=customer, pk=pk)
    if found is None:
        raise Http404
    services.notice_read(user=request.user, customer=customer, notice_id=found.pk)
    return render(
        request, "portal/notice.html", _context(request, customer, "notices", notice=found)
    )


@portal_page
def policies(request: AuthedRequest, account_no: str) -> HttpResponse:
    """The company's published policies and service commitments, searchable (R5)."""
    customer = _account(request, account_no)
    query = request.GET.get("q", "").strip()[:100]
    rows = selectors.policies(customer=customer, query=query)
    return render(
        request,
        "portal/policies.html",
        _context(request, customer, "policies", rows=rows, query=query),
    )


@portal_page
def requests(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = _account(request, account_no)
    return render(
        request,
        "portal/requests.html",
        _context(request, customer, "requests", rows=selectors.requests_of(customer=customer)),
    )


@portal_page
def request_new(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = _account(request, account_no)
    types = selectors.startable_types()
    chosen = request.GET.get("type") or request.POST.get("type", "")
    fields = CUSTOMER_TYPES.get(chosen)
    form = forms.request_form(fields, request.POST or None) if fields else None
    error = None
    if form is not None and request.method == "POST" and form.is_valid():
        with page_errors(request, form=form, quiet=True) as outcome:
            filed = services.request_file(
                user=request.user, customer=customer, type_code=chosen, values=form.cleaned_data
            )
            return redirect("portal:request", account_no=account_no, pk=filed.pk)
        error = outcome.error
    return render(
        request,
        "portal/request_new.html",
        _context(request, customer, "requests", types=types, chosen=chosen, form=form, error=error),
    )


@portal_page
def request_detail(request: AuthedRequest, account_no: str, pk: int) -> HttpResponse:
    """A request's steps, its promised deadline and, once done, the rating form."""
    customer = _account(request, account_no)
    found = selectors.request_get(customer=customer, pk=pk)
    if found is None:
        raise Http404
    form = forms.RatingForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        with page_errors(request, quiet=True) as outcome:
            services.request_rate(
                user=request.user,
                request=found,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
            return redirect("portal:request", account_no=account_no, pk=pk)
        error = outcome.error
    return render(
        request,
        "portal/request_detail.html",
        _context(
            request,
            customer,
            "requests",
            req=found,
            steps=list(found.steps.order_by("position")),
            form=form,
            error=error,
        ),
    )


@portal_page
def own_data(request: AuthedRequest, account_no: str) -> HttpResponse:
    """What is held about the account and who disclosed the contact data; the customer
    updates contact data, asks for a tier-1 correction or a credit review here."""
    customer = _account(request, account_no)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    contact = forms.ContactForm(
        request.POST if action == "contact" else None,
        initial={
            "phone_alt": customer.phone_alt,
            "preferred_channel": customer.preferred_channel,
            "e_bill": bool(customer.e_bill),
            "version": customer.version,
        },
    )
    correction = forms.CorrectionForm(request.POST if action == "correction" else None)
    review = forms.ReviewForm(request.POST if action == "review" else None)
    error = None
    done = {
        "contact": (contact, _("Your contact data is updated.")),
        "correction": (correction, _("Your request is recorded; a second person checks it.")),
        "review": (review, _("Your request is recorded; it will be answered in 15 days.")),
    }
    if action in done and done[action][0].is_valid():
        form, success = done[action]
        data = form.cleaned_data
        with page_errors(request, form=form, quiet=True) as outcome:
            if action == "contact":
                services.contact_update(
                    user=request.user,
                    customer=customer,
                    changes={k: data[k] for k in services.CONTACT_FIELDS},
                    expected_version=data["version"],
                )
            elif action == "correction":
                services.correction_request(user=request.user, customer=customer, **data)
            else:
                services.credit_review_request(user=request.user, customer=customer, **data)
            messages.success(request, success)
            return redirect("portal:data", account_no=account_no)
        error = outcome.error
    return render(
        request,
        "portal/data.html",
        _context(
            request,
            customer,
            "data",
            data=personal_data(customer=customer),
            contact=contact,
            correction=correction,
            review=review,
            error=error,
        ),
    )


@portal_page
def own_data_export(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Everything held about the account, as JSON (the data-access request, PIPL)."""
    customer = _account(request, account_no)
    data = services.data_export(user=request.user, customer=customer)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="gridcrm-{account_no}-{stamp}.json"'
    return response


@portal_page
def preferences(request: AuthedRequest, account_no: str) -> HttpResponse:
    """How the account hears of notices: the channels besides the inbox (quiet hours keep
    SMS away at night except in emergencies, docs/channels.md)."""
    from gridcrm.service.selectors import channel_preference_of
    from gridcrm.service.services import channel_preferences_set

    customer = _account(request, account_no)
    current = channel_preference_of(customer=customer)
    initial = {"channels": current.channels, "email": current.email} if current else {}
    form = forms.PreferencesForm(request.POST or None, initial=initial)
    error = None
    if request.method == "POST" and form.is_valid():
        with page_errors(request, form=form, quiet=True) as outcome:
            channel_preferences_set(
                customer=customer,
                channels=["in_app", *form.cleaned_data["channels"]],
                email=form.cleaned_data["email"],
                acting_user=request.user,
            )
            messages.success(request, _("Saved."))
            return redirect("portal:preferences", account_no=account_no)
        error = outcome.error
    return render(
        request,
        "portal/preferences.html",
        _context(request, customer, "data", form=form, error=error),
    )


@login_required
def staff_unbind(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff with the unbind permission end a binding from the 360° page."""
    binding = selectors.binding_get(user=request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    # Refused (no permission, out of scope) answers 404 through the error middleware.
    services.account_unbind(binding=binding, acting_user=request.user, reason=_("unbound by staff"))
    return redirect("archive:customer_detail", account_no=binding.customer.account_no)
