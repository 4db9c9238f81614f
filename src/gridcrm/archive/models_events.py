"""The archive's audit rows (``core.audit.AuditEvent``): who saw personal data, and what
happened to the archive beyond field values (field values have ``FieldChange``).

Written only through the named functions of ``archive.events``; importable from
``gridcrm.archive.models`` like every model of the archive.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcrm.core.audit import AuditEvent


class DisclosureEvent(AuditEvent):
    """Who saw a customer's unmasked personal data, when and through which channel (PIPL).

    Its ``kind`` is the channel the data was seen through: the one thing that tells
    disclosures apart (the fields seen are their own column, searched by auditors).
    """

    class Kind(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        EXPORT = "export", _("Export")

    kind = models.CharField(_("channel"), max_length=40, choices=Kind.choices)
    customer = models.ForeignKey(
        "archive.Customer", on_delete=models.CASCADE, null=True, related_name="disclosures"
    )
    fields = models.CharField(max_length=200)
    detail = models.CharField(max_length=200, blank=True)

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["at"], name="disclosure_at")]
        verbose_name = _("disclosure of personal data")
        verbose_name_plural = _("disclosures of personal data")

    def __str__(self) -> str:
        return f"{self.acting_user} · {self.fields} · {self.at:%Y-%m-%d %H:%M}"


class ArchiveEvent(AuditEvent):
    """A change of the archive that is not a field value: change requests asked for and
    decided, rule sets published, credit lists imported, extension fields declared."""

    class Kind(models.TextChoices):
        CHANGE_REQUESTED = "change_requested", _("Change requested")
        CHANGE_APPROVED = "change_approved", _("Change approved")
        CHANGE_REJECTED = "change_rejected", _("Change rejected")
        RULE_SET_PUBLISHED = "rule_set_published", _("Mapping rules published")
        CREDIT_LIST_IMPORTED = "credit_list_imported", _("Credit list imported")
        CUSTOM_FIELD_ADDED = "custom_field_added", _("Extension field declared")
        CUSTOM_FIELD_CHANGED = "custom_field_changed", _("Extension field changed")

    kind = models.CharField(_("what"), max_length=40, choices=Kind.choices)
    # Empty for events about the whole archive (rule sets, lists, extension fields).
    customer = models.ForeignKey(
        "archive.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="archive_events",
    )

    class Meta(AuditEvent.Meta):
        indexes = [models.Index(fields=["customer", "at"], name="archive_event_customer_at")]
        verbose_name = _("archive event")
        verbose_name_plural = _("archive events")

    def __str__(self) -> str:
        return f"{self.kind} · {self.at:%Y-%m-%d %H:%M}"
