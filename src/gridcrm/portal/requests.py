"""The request types a customer may start on the portal, and the fields each needs.

The answers are written into the request's summary, line by line, so that the agent who
works it reads them exactly as an agent-taken request (the workflow is the same)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Field:
    name: str
    label: str | Promise
    required: bool = True
    kind: str = "text"  # text, textarea, number, date


ADDRESS = Field("address", _("Address"))
DETAILS = Field("details", _("Details"), kind="textarea")

# request type code → the fields a customer fills in (the service's default types).
CUSTOMER_TYPES: dict[str, list[Field]] = {
    "fault_repair": [
        Field("fault", _("What is wrong"), kind="textarea"),
        Field("since", _("Since when"), required=False),
        ADDRESS,
    ],
    "complaint": [Field("subject", _("What the complaint is about")), DETAILS],
    "billing_dispute": [
        Field("bill_month", _("Bill month (YYYY-MM)")),
        Field("amount", _("Disputed amount (yuan)"), kind="number"),
        DETAILS,
    ],
    "enquiry": [Field("question", _("Your question"), kind="textarea")],
    "new_lv_residential": [ADDRESS, Field("kva", _("Capacity wanted (kVA)"), kind="number")],
    "new_lv_business": [ADDRESS, Field("kva", _("Capacity wanted (kVA)"), kind="number")],
    "increase_lv": [Field("kva", _("New capacity (kVA)"), kind="number"), DETAILS],
    "rename": [Field("new_name", _("New name on the account")), DETAILS],
    "transfer": [Field("new_holder", _("New holder")), DETAILS],
}


def summary_of(fields: list[Field], values: dict[str, str]) -> str:
    """The summary an agent reads: one "label: answer" line per filled field."""
    return "\n".join(
        f"{field.label}: {values[field.name].strip()}"
        for field in fields
        if values.get(field.name, "").strip()
    )
