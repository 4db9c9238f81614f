"""Pages that configure the archive for everyone: the mapping rules and the public credit
lists. Thin: the services check and write, ``page_errors`` shows their refusals."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gridcrm.archive.credit_lists import CreditListReport, credit_list_import, credit_list_text
from gridcrm.archive.forms import rule_rows_from_post
from gridcrm.archive.rule_sets import rule_row_dict, rules_publish
from gridcrm.archive.rules import OPS, published_version, rule_inputs, rule_targets
from gridcrm.archive.selectors import credit_list_sources, rule_set_versions
from gridcrm.archive.tasks import RULES_APPLY
from gridcrm.jobs.services import job_start
from gridcrm.web.errors import page_errors
from gridcrm.web.http import AuthedRequest


@login_required
@permission_required("archive.manage_mapping_rules", raise_exception=True)
def rules(request: AuthedRequest) -> HttpResponse:
    """Edit the mapping rules; saving publishes a new version and re-runs them in batch."""
    version = published_version()
    errors: dict[str, str] = {}
    proposed: list[dict[str, Any]] | None = None
    if request.method == "POST":
        with page_errors(request, quiet=True) as outcome:
            proposed = rule_rows_from_post(request.POST)
            version = rules_publish(
                rules=proposed, note=request.POST.get("note", ""), acting_user=request.user
            )
            job = job_start(kind=RULES_APPLY, created_by=request.user)
            messages.success(
                request,
                _("Version %(n)s published; the rules are being applied to every customer.")
                % {"n": version.number},
            )
            return redirect("jobs:job_detail", job_id=job.pk)
        if outcome.error is not None:
            errors = outcome.error.fields or {"": outcome.error.message}
    if proposed is None:  # a first look, or a post whose rows were lost: the stored rules
        proposed = [rule_row_dict(r) for r in (version.rules.all() if version else [])]
    blank = {"code": "", "name": "", "target": "", "value": "", "raise_only": True, "priority": 100}
    rows = [*proposed, blank]
    for row in rows:
        conditions = list(row.get("conditions", []))
        row["slots"] = conditions + [{}] * max(0, 3 - len(conditions))
    return render(
        request,
        "archive/rules.html",
        {
            "version": version,
            "versions": rule_set_versions(),
            "rows": rows,
            "errors": errors,
            "targets": rule_targets(),
            "inputs": rule_inputs(),
            "ops": OPS.items(),
        },
    )


@login_required
@permission_required("archive.import_customers", raise_exception=True)
def credit_lists(request: AuthedRequest) -> HttpResponse:
    """Upload an external public credit list; customers on it are flagged in behaviour data."""
    report: CreditListReport | None = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        source = request.POST.get("source", "").strip()[:200]
        if upload is None or not source:
            error = _("Choose a file and say who publishes the list.")
        else:
            with page_errors(request, quiet=True) as outcome:
                report = credit_list_import(
                    text=credit_list_text(upload.read()), source=source, acting_user=request.user
                )
            if outcome.error is not None:
                error = outcome.error.message
    return render(
        request,
        "archive/credit_lists.html",
        {"report": report, "error": error, "sources": credit_list_sources()},
    )
