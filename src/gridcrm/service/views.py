"""Staff pages of service requests, notices, the matrix and the calendar.

Every customer and request lookup goes through the scoping selectors: out of scope answers
404 exactly like an unknown number. Views parse input and call a service inside
``page_errors``, which shows a refusal as a page message; they decide nothing.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridcrm.archive.masking import mask_phone
from gridcrm.archive.selectors import customer_get, customer_get_visible
from gridcrm.core import uploads
from gridcrm.core.formats import label_of
from gridcrm.jobs.services import job_start
from gridcrm.service import forms
from gridcrm.service.channel_selectors import (
    channels_configured,
    notice_attempts_visible_to,
    notice_delivery_rates,
)
from gridcrm.service.matrix import matrix_current, matrix_publish, rule_as_dict
from gridcrm.service.models import (
    Attachment,
    Breach,
    Channel,
    LimitUnit,
    MatrixVersion,
    RequestType,
    ServiceRequest,
)
from gridcrm.service.notices import Target, notice_audience, notice_create, notice_publish
from gridcrm.service.notices import notice_withdraw as notice_withdraw_service
from gridcrm.service.payments import grace_request_decide, grace_request_submit
from gridcrm.service.queue_page import QUEUE_SIZE, QueuePage, queue_rows
from gridcrm.service.selectors import (
    DUE_FILTERS,
    DUE_SOON_HOURS,
    grace_get,
    grace_pending,
    may_manage_notices,
    notice_deliveries_visible_to,
    notice_scope_limit,
    notices_listed_for,
    notices_visible_to,
    request_get,
    work_queue,
    work_queue_size,
)
from gridcrm.service.services import (
    channel_preferences_set,
    current_step,
    may_take,
    may_work_on,
    request_attach,
    request_cancel,
    request_create,
    request_note_add,
    request_release,
    request_step_complete,
    request_take,
)
from gridcrm.service.tasks import SERVICE_TIMERS
from gridcrm.users.roles import Role
from gridcrm.users.selectors import region_by_code, regions_below_company, user_roles
from gridcrm.web.errors import input_keep, page_errors
from gridcrm.web.http import AuthedRequest
from gridcrm.web.paging import page_number


def _visible_request(request: AuthedRequest, pk: int) -> ServiceRequest:
    found = request_get(user=request.user, pk=pk)
    if found is None:
        raise Http404(_("No such service request."))
    return found


@login_required
@permission_required("service.view_servicerequest", raise_exception=True)
def queue(request: AuthedRequest) -> HttpResponse:
    """The user's work queue: most urgent first, then least time left. Supervisors (who
    may read escalations) also have "all open": every open request of their scope."""
    can_escalations = request.user.has_perm("service.view_escalations")
    # A supervisor's own roles hold few steps: they land on every open request instead.
    view = request.GET.get("view") or ("open" if can_escalations else "queue")
    if view == "open" and not can_escalations:
        view = "queue"
    due = request.GET.get("due", "")
    due = due if due in DUE_FILTERS else ""
    role = request.GET.get("role") or None
    region_code = request.GET.get("region", "").strip()
    region = region_by_code(code=region_code)
    which: dict[str, Any] = {
        "user": request.user,
        "role": role,
        "region_path": region.path if region else None,
        "mine": view == "mine",
        "escalated": view == "escalated",
        "all_open": view == "open",
        "due": due,
    }
    rows = work_queue(**which)
    total = work_queue_size(**which)
    number = page_number(request.GET.get("page"))
    now = timezone.now()
    page = QueuePage(
        object_list=queue_rows(
            rows, user=request.user, now=now, offset=(number - 1) * QUEUE_SIZE, limit=QUEUE_SIZE
        ),
        number=number,
        total=total,
        more=total > number * QUEUE_SIZE,
    )
    roles = sorted(user_roles(user=request.user), key=lambda r: str(r.label))
    return render(
        request,
        "service/queue.html",
        {
            "page": page,
            "view": view,
            "due": due,
            "due_soon_hours": DUE_SOON_HOURS,
            "role": role or "",
            "region": region_code,
            "roles": roles,
            "stations": regions_below_company(),
            "can_escalations": can_escalations,
            "can_create": request.user.has_perm("service.add_servicerequest"),
            "now": now,
        },
    )


@login_required
@require_POST
@permission_required("service.work_servicerequest", raise_exception=True)
def take_next(request: AuthedRequest) -> HttpResponse:
    """Take the first untaken request of the queue and open it."""
    for candidate in work_queue(user=request.user).filter(assignee__isnull=True)[:10]:
        # Someone else may have been quicker (a refusal): then try the next one.
        with page_errors(request, quiet=True):
            request_take(request=candidate, acting_user=request.user)
            return redirect(candidate.get_absolute_url())
    messages.info(request, _("Your queue is empty."))
    return redirect("service:queue")


def _default_channel(request: AuthedRequest) -> str:
    """A 95598 agent takes requests on the phone; everyone else at the counter."""
    return Channel.PHONE if Role.SERVICE_AGENT in user_roles(user=request.user) else Channel.COUNTER


@login_required
@permission_required("service.add_servicerequest", raise_exception=True)
def request_new(request: AuthedRequest) -> HttpResponse:
    """Open a request for a customer in the user's scope. Every refusal (an account number
    not found in the scope, missing tier-1 data, a bad callback number) shows on the form
    with everything typed kept."""
    form = forms.RequestForm(
        request.POST or None,
        initial={
            "account_no": request.GET.get("customer", ""),
            "channel": _default_channel(request),
        },
    )
    account_no = (form["account_no"].value() or "").strip()
    customer = customer_get(user=request.user, account_no=account_no) if account_no else None
    if request.method == "POST" and form.is_valid():
        if customer is None:
            form.add_error(
                "account_no",
                _("No customer with account number %(account_no)s in your scope.")
                % {"account_no": account_no},
            )
        else:
            with page_errors(request, form=form):
                created = request_create(
                    customer=customer,
                    request_type=form.cleaned_data["request_type"],
                    channel=form.cleaned_data["channel"],
                    summary=form.cleaned_data["summary"],
                    address=form.cleaned_data["address"],
                    callback_phone=form.cleaned_data["callback_phone"],
                    acting_user=request.user,
                )
                messages.success(
                    request, _("Request %(number)s opened.") % {"number": created.number}
                )
                return redirect(created.get_absolute_url())
    return render(
        request,
        "service/request_new.html",
        {"form": form, "customer": customer, "account_no": account_no},
    )


@login_required
@permission_required("service.add_servicerequest", raise_exception=True)
def request_new_customer(request: AuthedRequest) -> HttpResponse:
    """The name and address behind an account number as it is typed on the new-request
    form (htmx), so the agent confirms the account before opening the request."""
    account_no = request.GET.get("account_no", "").strip()
    customer = customer_get(user=request.user, account_no=account_no) if account_no else None
    return render(
        request,
        "service/_request_customer.html",
        {"customer": customer, "account_no": account_no},
    )


@login_required
@permission_required("service.view_servicerequest", raise_exception=True)
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One request: its steps and deadlines, why it is urgent, its timeline."""
    found = _visible_request(request, pk)
    step = current_step(found)
    free = found.assignee_id is None
    mine = found.assignee_id == request.user.pk
    owns = step is not None and may_take(user=request.user, step=step)
    # A role that may also complete the step records it for the owners (the crew's report
    # taken on the phone): offered apart, never as a take, and only while nobody holds it.
    records = (
        step is not None
        and not owns
        and free
        and may_work_on(user=request.user, role=step.owner_role, also=step.also_roles)
    )
    return render(
        request,
        "service/request_detail.html",
        {
            "req": found,
            "steps": found.steps.select_related("completed_by"),
            "step": step,
            "can_work": owns and (free or mine),
            "can_take": owns and free,
            "can_record": records,
            "can_release": mine,
            "can_note": request.user.has_perm("service.work_servicerequest"),
            # Who works on requests calls the customer back; anyone else sees it masked.
            "callback_phone": found.callback_phone
            if request.user.has_perm("service.work_servicerequest")
            else mask_phone(found.callback_phone),
            "events": found.events.select_related("acting_user"),
            "attachments": found.attachments.all(),
            "breaches": found.breaches.select_related("step"),
            "decision": found.decision,
            "step_form": forms.StepForm(
                initial={"code": step.code if step else "", "version": found.version}
            ),
            "now": timezone.now(),
        },
    )


def _act(request: AuthedRequest, pk: int, action: Any) -> HttpResponse:
    found = _visible_request(request, pk)
    with page_errors(request):
        action(found)
    return redirect(found.get_absolute_url())


@login_required
@require_POST
def request_take_view(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda r: request_take(request=r, acting_user=request.user))


@login_required
@require_POST
def request_release_view(request: AuthedRequest, pk: int) -> HttpResponse:
    found = _visible_request(request, pk)
    with page_errors(request):
        request_release(request=found, acting_user=request.user)
        return redirect("service:queue")
    return redirect(found.get_absolute_url())


@login_required
@require_POST
def request_step_view(request: AuthedRequest, pk: int) -> HttpResponse:
    form = forms.StepForm(request.POST)
    if not form.is_valid():
        found = _visible_request(request, pk)
        messages.error(request, _("The form was incomplete; nothing changed."))
        return redirect(found.get_absolute_url())
    return _act(
        request,
        pk,
        lambda r: request_step_complete(
            request=r,
            step_code=form.cleaned_data["code"],
            acting_user=request.user,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        ),
    )


@login_required
@require_POST
def request_note_view(request: AuthedRequest, pk: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return _act(
        request, pk, lambda r: request_note_add(request=r, acting_user=request.user, text=text)
    )


@login_required
@require_POST
def request_cancel_view(request: AuthedRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request, pk, lambda r: request_cancel(request=r, acting_user=request.user, reason=reason)
    )


@login_required
@require_POST
@uploads.accepts_upload(uploads.ATTACHMENT)
def request_attach_view(request: AuthedRequest, pk: int) -> HttpResponse:
    form = forms.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        found = _visible_request(request, pk)
        messages.error(request, _("Choose a file."))
        return redirect(found.get_absolute_url())
    upload = form.cleaned_data["file"]
    return _act(
        request, pk, lambda r: request_attach(request=r, acting_user=request.user, upload=upload)
    )


@login_required
def attachment_download(request: AuthedRequest, pk: int, attachment_id: int) -> FileResponse:
    found = _visible_request(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, request=found)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


# --- notices ---------------------------------------------------------------------------


@login_required
@permission_required("service.view_servicerequest", raise_exception=True)
def notice_list(request: AuthedRequest) -> HttpResponse:
    page = Paginator(notices_listed_for(user=request.user), 25).get_page(request.GET.get("page"))
    can_write = request.user.has_perm("service.publish_policy_notice") or request.user.has_perm(
        "service.publish_outage_notice"
    )
    return render(request, "service/notices.html", {"page": page, "can_write": can_write})


@login_required
def notice_new(request: AuthedRequest) -> HttpResponse:
    if not (
        request.user.has_perm("service.publish_policy_notice")
        or request.user.has_perm("service.publish_outage_notice")
    ):
        raise PermissionDenied
    form = forms.NoticeForm(
        request.POST or None,
        initial={"kind": request.GET.get("kind", "outage")},
        scope_limit=notice_scope_limit(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with page_errors(request, form=form):
            notice = notice_create(
                kind=data["kind"],
                topic=data["topic"] or "outage",
                title=data["title"],
                body=data["body"],
                acting_user=request.user,
                targets=[Target(*t) for t in data["targets"]],
                effective_on=data["effective_on"],
                outage_start=data["outage_start"],
                outage_end=data["outage_end"],
                emergency=data["emergency"],
            )
            return redirect(notice.get_absolute_url())
    return render(request, "service/notice_new.html", {"form": form})


@login_required
@permission_required("service.view_servicerequest", raise_exception=True)
def notice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(notices_visible_to(user=request.user), pk=pk)
    manages = may_manage_notices(user=request.user)
    # Only roles that write notices read the delivery log, and only within their scope.
    deliveries = (
        notice_deliveries_visible_to(user=request.user, notice=notice)
        if manages
        else notice.deliveries.none()
    )
    page = Paginator(deliveries.select_related("customer").order_by("send_at", "pk"), 50).get_page(
        request.GET.get("page")
    )
    audience = notice_audience(notice=notice).count() if notice.status == "draft" else None
    return render(
        request,
        "service/notice_detail.html",
        {
            "notice": notice,
            "targets": notice.targets.all(),
            "page": page,
            "audience": audience,
            "manages": manages,
            "rates": notice_delivery_rates(user=request.user, notice=notice) if manages else [],
            "channels": channels_configured() if manages else {},
            "tries": notice_attempts_visible_to(user=request.user, notice=notice)[:20]
            if manages
            else [],
        },
    )


@login_required
@require_POST
def notice_publish_view(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(notices_visible_to(user=request.user), pk=pk)
    with page_errors(request):
        notice_publish(notice=notice, acting_user=request.user)
        messages.success(request, _("Published."))
    return redirect(notice.get_absolute_url())


@login_required
@require_POST
def notice_withdraw_view(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(notices_visible_to(user=request.user), pk=pk)
    with page_errors(request):
        notice_withdraw_service(notice=notice, acting_user=request.user)
    return redirect(notice.get_absolute_url())


# --- configuration ---------------------------------------------------------------------


def _extra_step_text(step: dict[str, Any]) -> str:
    """An extra step of a matrix rule in words: "现场核实（台区经理，1 工作日）"."""
    name = step[RequestType.name_field()]
    return _("%(step)s (%(role)s, %(limit)s %(unit)s)") % {
        "step": name,
        "role": label_of(Role, step["owner_role"]),
        "limit": step["limit_value"],
        "unit": label_of(LimitUnit, step["limit_unit"]),
    }


def _matrix_initial(version: MatrixVersion | None) -> list[dict[str, Any]]:
    rows = []
    for rule in version.rules.order_by("position") if version else []:
        data = rule_as_dict(rule)
        data["reminder_days"] = (
            ", ".join(str(d) for d in data["reminder_days"]) if data["reminder_days"] else ""
        )
        # The steps a rule adds are kept whole in a hidden field and shown in words.
        data["extra_steps_text"] = [_extra_step_text(step) for step in data["extra_steps"]]
        data["extra_steps"] = json.dumps(data["extra_steps"], ensure_ascii=False)
        rows.append(data)
    return rows


def _formset_errors(formset: Any) -> dict[str, str]:
    """The rows' errors as ``row.field: message``, numbered as the editor shows them."""
    errors: dict[str, str] = {}
    for n, form in enumerate(formset.forms, start=1):
        for name, messages_ in form.errors.items():
            where = f"{n}.{name}" if name != "__all__" else str(n)
            errors[where] = " ".join(str(m) for m in messages_)
    return errors


@login_required
@permission_required("service.view_servicerequest", raise_exception=True)
def matrix(request: AuthedRequest) -> HttpResponse:
    """The service matrix; a marketing manager edits it and publishes a new version."""
    current = matrix_current()
    can_edit = request.user.has_perm("service.manage_service_matrix")
    formset = forms.MatrixFormSet(
        request.POST if request.method == "POST" else None,
        initial=_matrix_initial(current),
        form_kwargs={"type_choices": forms.matrix_type_choices()},
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if not formset.is_valid():
            errors = _formset_errors(formset)
        else:
            rules = [
                form.cleaned_data["row"].model_dump()
                for form in formset.forms
                if form.cleaned_data.get("row") is not None
            ]
            with page_errors(request, quiet=True) as outcome:
                version = matrix_publish(
                    rules=rules, note=request.POST.get("version_note", ""), acting_user=request.user
                )
                messages.success(
                    request,
                    _("Version %(n)s of the service matrix is in force.") % {"n": version.number},
                )
                return redirect("service:matrix")
            if outcome.error is not None:
                errors = outcome.error.fields or {"": outcome.error.message}
    return render(
        request,
        "service/matrix.html",
        {
            "current": current,
            "formset": formset,
            "can_edit": can_edit,
            "errors": errors,
            "versions": MatrixVersion.objects.all()[:20],
            "types": RequestType.objects.prefetch_related("steps"),
        },
    )


@login_required
@require_POST
@permission_required("service.manage_calendar", raise_exception=True)
def timers_run(request: AuthedRequest) -> HttpResponse:
    job = job_start(kind=SERVICE_TIMERS, acting_user=request.user)
    return redirect("jobs:job_detail", job_id=job.pk)


@login_required
@permission_required("service.view_escalations", raise_exception=True)
def breaches(request: AuthedRequest) -> HttpResponse:
    rows = Breach.objects.select_related("request__customer", "request__request_type", "step")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "service/breaches.html", {"page": page})


# --- payment grace ---------------------------------------------------------------------


@login_required
@require_POST
def grace_new(request: AuthedRequest, account_no: str) -> HttpResponse:
    customer = customer_get_visible(user=request.user, account_no=account_no)
    form = forms.GraceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; nothing changed."))
    else:
        with page_errors(request):
            grace_request_submit(customer=customer, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("Grace requested; it waits for approval."))
    return redirect(customer.get_absolute_url())


@login_required
@require_POST
def customer_channels_set(request: AuthedRequest, account_no: str) -> HttpResponse:
    """Staff set a customer's channels and quiet hours from the 360° page."""
    customer = customer_get_visible(user=request.user, account_no=account_no)
    form = forms.ChannelPreferenceForm(request.POST)
    with page_errors(request, form=form):
        if form.is_valid():
            channel_preferences_set(
                customer=customer, acting_user=request.user, **form.cleaned_data
            )
            messages.success(request, _("Channel preferences saved."))
            return redirect(customer.get_absolute_url())
    # Refused: the panel opens its form again with what was typed and why, nothing saved.
    messages.error(request, _("The channels were not saved; see the form."))
    input_keep(request, forms.CHANNELS_FORM, form)
    return redirect(f"{customer.get_absolute_url()}#panel-service")


@login_required
@permission_required("service.approve_grace", raise_exception=True)
def grace_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "service/grace.html", {"pending": grace_pending()})


@login_required
@require_POST
@permission_required("service.approve_grace", raise_exception=True)
def grace_decide(request: AuthedRequest, pk: int, decision: str) -> HttpResponse:
    grace = grace_get(user=request.user, pk=pk)
    with page_errors(request):
        grace_request_decide(
            grace=grace,
            acting_user=request.user,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
    return redirect("service:grace")
