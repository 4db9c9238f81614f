"""The customer archive: one row per electricity account (户), its field history,
change requests for locked tier-1 data, extension fields, mapping rules, and the
log of who saw personal data.

Which column is in which category and tier, who may edit it and how it is masked
is declared once, in :mod:`gridcrm.archive.registry`; the columns here only store.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from gridcrm.archive.choices import (
    BillingMethod,
    CertificateType,
    ContactChannel,
    CreditAttention,
    ImportanceClass,
    MeterKind,
    PaymentMethod,
    ProductionShifts,
    Segment,
    TariffCategory,
    TariffStructure,
    VoltageLevel,
)

# The rule sets and the audit rows live in their own modules to keep this one about
# customers; they are models of this app all the same.
from gridcrm.archive.models_events import ArchiveEvent, DisclosureEvent
from gridcrm.archive.models_rules import MappingRule, RuleSetVersion
from gridcrm.archive.personal import SEALED_FIELDS
from gridcrm.archive.validators import (
    account_no_validator,
    phone_validator,
    validate_certificate_no,
    validate_industry_code,
)
from gridcrm.core.audit import AuditEvent
from gridcrm.core.sealing import HASH_HEX, SealedCharField, SealedWhenTextField

__all__ = [
    "ArchiveEvent",
    "ChangeRequest",
    "CustomField",
    "Customer",
    "DisclosureEvent",
    "FieldChange",
    "MappingRule",
    "RuleSetVersion",
    "Segment",
    "TariffCategory",
    "VoltageLevel",
]

_NONNEG = [MinValueValidator(0)]
_COEFFICIENT = [MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("3"))]


def _choice(
    label: StrOrPromise, choices: type[models.TextChoices], **kw: object
) -> models.CharField:  # type: ignore[type-arg]
    return models.CharField(label, max_length=20, choices=choices.choices, blank=True, **kw)  # type: ignore[arg-type]


class CodeField(models.CharField[str, str]):
    """Text that is a code or a number (account numbers, phones, segments), compared byte
    by byte on PostgreSQL (``COLLATE "C"``): its order is the same in every collation,
    and its b-tree indexes are built and kept up without the locale's comparison, which
    made most of their cost in a bulk import (migration 0010)."""

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters


class SearchKeysField(models.Field[list[str], list[str]]):
    """A list of short strings: ``text[]`` on PostgreSQL, where a GIN index holds its
    elements, and a JSON array in a text column elsewhere (SQLite searches by scanning)."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        # Keys are only ever compared for equality: byte order ("C") spares the GIN index
        # the locale's comparison, a third of its build (migration 0009).
        return 'text[] COLLATE "C"' if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if value is None:
            return None
        if connection.vendor == "postgresql":
            return list(value)
        return json.dumps(list(value), ensure_ascii=False)

    def from_db_value(
        self, value: Any, expression: Any, connection: BaseDatabaseWrapper
    ) -> list[str] | None:
        keys: list[str] | None = json.loads(value) if isinstance(value, str) else value
        return keys


class Customer(models.Model):
    """An electricity customer (电力客户): basic, equipment, behaviour and value information."""

    # -- basic information 客户基础信息
    # Unique through Meta.constraints rather than unique=True, which would also give it
    # a varchar_pattern_ops twin on PostgreSQL that no query uses (prefixes are ranges).
    account_no = CodeField(_("account number"), max_length=10, validators=[account_no_validator])
    # Searched by any part through the trigram (migration 0002) and bigram
    # (``search_bigrams``) indexes, never by prefix: a b-tree would only slow imports down.
    name = models.CharField(_("account name"), max_length=200)
    certificate_type = _choice(_("certificate type"), CertificateType)
    # Phones and the certificate number are sealed at rest (``core.sealing``) and found
    # through their keyed hashes below (``archive.personal``), never by value.
    certificate_no = SealedCharField(
        _("certificate number"), max_length=18, blank=True, validators=[validate_certificate_no]
    )
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = SealedCharField(
        _("contact phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    phone_alt = SealedCharField(
        _("second phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    # Indexed in Meta.indexes: equality only, and db_index=True would add a pattern twin.
    phone_hash = CodeField(max_length=HASH_HEX, blank=True, editable=False)
    phone_alt_hash = CodeField(max_length=HASH_HEX, blank=True, editable=False)
    phone_last4_hash = CodeField(max_length=HASH_HEX, blank=True, editable=False)
    certificate_hash = CodeField(max_length=HASH_HEX, blank=True, editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # No index of its own: the two composite indexes in Meta start with the region.
    region = models.ForeignKey(
        "users.Region",
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("supply station"),
        db_index=False,
    )
    transformer_area = models.CharField(_("transformer area"), max_length=50, blank=True)
    industry_code = models.CharField(
        _("industry (GB/T 4754)"),
        max_length=5,
        blank=True,
        validators=[validate_industry_code],
        help_text=_("Blank for households."),
    )
    tariff_category = _choice(_("tariff category"), TariffCategory)
    tariff_structure = _choice(_("tariff structure"), TariffStructure)
    voltage_level = models.CharField(
        _("voltage level"), max_length=10, choices=VoltageLevel.choices, blank=True
    )
    contracted_kva = models.DecimalField(
        _("contracted capacity (kVA)"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_NONNEG,
    )
    importance_class = _choice(_("important customer class"), ImportanceClass)
    segment = CodeField(_("segment"), max_length=20, choices=Segment.choices)
    segment_override_reason = models.CharField(
        _("reason for the segment override"), max_length=200, blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    production_shifts = _choice(_("production shifts"), ProductionShifts)

    # -- equipment information 客户设备信息: a summary derived from the grid app's registry
    transformer_count = models.PositiveSmallIntegerField(_("transformers"), null=True, blank=True)
    transformer_kva = models.DecimalField(
        _("transformer capacity (kVA)"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_NONNEG,
    )
    meter_count = models.PositiveSmallIntegerField(_("meters"), null=True, blank=True)
    meter_kind = _choice(_("meter kind"), MeterKind)
    backup_power_kw = models.DecimalField(
        _("backup power (kW)"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_NONNEG,
    )

    # -- behaviour information 客户行为信息
    payment_method = _choice(_("payment method"), PaymentMethod)
    avg_days_to_pay = models.DecimalField(
        _("average days to pay"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_NONNEG,
    )
    preferred_channel = _choice(_("preferred contact channel"), ContactChannel)
    e_bill = models.BooleanField(_("e-bill"), null=True, blank=True)
    complaints_12m = models.PositiveSmallIntegerField(
        _("complaints in 12 months"), null=True, blank=True
    )
    credit_blacklisted = models.BooleanField(
        _("on a public credit blacklist"), null=True, blank=True
    )
    credit_attention = _choice(_("credit attention"), CreditAttention)

    # -- value information 客户价值信息
    billing_method = _choice(_("billing method"), BillingMethod)
    tou_applied = models.BooleanField(_("time-of-use tariff applied"), null=True, blank=True)
    annual_kwh = models.DecimalField(
        _("annual consumption (kWh)"),
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        validators=_NONNEG,
    )
    max_demand_kw = models.DecimalField(
        _("maximum demand (kW)"),
        max_digits=10,
        decimal_places=1,
        null=True,
        blank=True,
        validators=_NONNEG,
    )
    deposit_yuan = models.DecimalField(
        _("deposit (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_NONNEG,
    )
    price_sensitivity = models.DecimalField(
        _("price sensitivity"), max_digits=3, decimal_places=2, default=1, validators=_COEFFICIENT
    )
    outage_sensitivity = models.DecimalField(
        _("outage sensitivity"), max_digits=3, decimal_places=2, default=1, validators=_COEFFICIENT
    )
    service_sensitivity = models.DecimalField(
        _("service sensitivity"),
        max_digits=3,
        decimal_places=2,
        default=1,
        validators=_COEFFICIENT,
    )

    # -- extension fields declared by administrators (CustomField), validated by the registry
    extra = models.JSONField(_("extension fields"), default=dict, blank=True)

    # -- relationships and bookkeeping
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="portfolio",
        verbose_name=_("key-account manager"),
        db_index=False,  # a partial index in Meta: most customers have no manager
    )
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer_account",
        verbose_name=_("portal login"),
    )
    completeness = models.PositiveSmallIntegerField(_("completeness (%)"), default=0)
    rules_fired = models.JSONField(default=list, blank=True, editable=False)
    # The bigrams of name and address (``archive.bigrams``), for two-character searches.
    search_bigrams = SearchKeysField(default=list, blank=True, editable=False)
    # Optimistic locking: an edit names the version it started from.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["account_no"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("view_customer_contact", _("Can see unmasked contact details")),
            ("export_customers", _("Can export customers")),
            ("import_customers", _("Can import customers")),
            ("edit_customer_data", _("Can fill in tier-2 and tier-3 data")),
            ("request_customer_change", _("Can request a change of tier-1 data")),
            ("approve_customer_change", _("Can approve changes of tier-1 data")),
            ("override_segment", _("Can override the segment")),
            ("manage_mapping_rules", _("Can edit mapping rules")),
            ("manage_custom_fields", _("Can declare extension fields")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["account_no"], name="customer_account_no_unique")
        ]
        indexes = [
            models.Index(fields=["region", "segment"]),
            models.Index(fields=["region", "completeness"]),
            models.Index(fields=["phone_hash"], name="customer_phone_hash"),
            models.Index(fields=["phone_last4_hash"], name="customer_phone_last4_hash"),
            models.Index(fields=["certificate_hash"], name="customer_certificate_hash"),
            # Few customers have a second phone: the blank ones stay out of the index.
            models.Index(
                fields=["phone_alt_hash"],
                condition=~Q(phone_alt_hash=""),
                name="customer_phone_alt_hash",
            ),
            # Only the key accounts: the other customers' NULLs cost every import and
            # write an index entry each, and no query looks for them through it.
            models.Index(
                fields=["account_manager"],
                condition=Q(account_manager__isnull=False),
                name="customer_account_manager",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_no} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("archive:customer_detail", args=[self.account_no])


class FieldChange(AuditEvent):
    """One change of one field of one customer: the full history the customer page shows.

    An audit row (``core.audit.AuditEvent``): ``at``, ``acting_user`` (empty for what the
    system derived), ``kind`` (how the value came: ``Kind``) and ``details`` (``{}``: the
    columns below say what changed).
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        ENTERED = "entered", _("Entered")
        CAPTURED = "captured", _("Captured in contact")
        IMPORTED = "imported", _("Imported")
        CHANGE_REQUEST = "change_request", _("Approved change request")
        RULE = "rule", _("Mapping rule")
        DERIVED = "derived", _("Derived")

    kind = models.CharField(_("source"), max_length=40, choices=Kind.choices)
    # No index of its own: the (customer, field) index below serves every lookup by customer.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="history", db_index=False
    )
    field = models.CharField(_("field"), max_length=60)
    # Sealed on the rows of a phone or a certificate number (``core.sealing``).
    old_value = SealedWhenTextField(_("old value"), blank=True, sealed=SEALED_FIELDS)
    new_value = SealedWhenTextField(_("new value"), blank=True, sealed=SEALED_FIELDS)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    captured_on = models.DateField(_("captured on"), null=True, blank=True)
    contact_channel = models.CharField(
        _("captured through"), max_length=20, choices=ContactChannel.choices, blank=True
    )
    # Indexed only where set (Meta): most history rows come from no change request.
    change_request = models.ForeignKey(
        "ChangeRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta(AuditEvent.Meta):
        indexes = [
            models.Index(fields=["customer", "field"]),
            models.Index(
                fields=["change_request"],
                condition=Q(change_request__isnull=False),
                name="fieldchange_change_request",
            ),
        ]
        verbose_name = _("field change")
        verbose_name_plural = _("field changes")

    def __str__(self) -> str:
        return f"{self.customer_id}.{self.field}: {self.old_value} → {self.new_value}"


class ChangeRequest(models.Model):
    """A requested change of a locked tier-1 field; a second person approves it (四眼原则)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="change_requests")
    field = models.CharField(_("field"), max_length=60)
    # Sealed on the rows of a phone or a certificate number (``core.sealing``).
    old_value = SealedWhenTextField(_("current value"), blank=True, sealed=SEALED_FIELDS)
    new_value = SealedWhenTextField(_("new value"), sealed=SEALED_FIELDS)
    reason = models.CharField(_("reason"), max_length=500)
    evidence = models.FileField(_("evidence"), upload_to="evidence/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "requested_at"])]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")

    def __str__(self) -> str:
        return f"{self.customer_id}.{self.field} → {self.new_value} ({self.status})"


class CustomField(models.Model):
    """An extension field an administrator declares; its values live in ``Customer.extra``."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")
        BOOLEAN = "boolean", _("Yes / no")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Lower-case letters, digits and underscores; the column name in files."),
    )
    label_zh = models.CharField(_("Chinese label"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=60)
    category = models.CharField(_("category"), max_length=12)
    tier = models.PositiveSmallIntegerField(_("tier"))
    sensitivity = models.CharField(_("sensitivity"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    max_length = models.PositiveSmallIntegerField(_("maximum length"), default=100)
    edit_roles = models.JSONField(_("roles that may edit"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "tier", "code"]
        verbose_name = _("extension field")
        verbose_name_plural = _("extension fields")

    def __str__(self) -> str:
        return self.code


class PublicCreditEntry(models.Model):
    """An entry of an external public credit list (e.g. a list of seriously dishonest
    entities), matched to customers by certificate number (R10: the interface to public
    credit information)."""

    # Sealed like the customers' (``core.sealing``); matched through the hash.
    certificate_no = SealedCharField(_("certificate number"), max_length=18)
    certificate_hash = CodeField(max_length=HASH_HEX, db_index=True, default="", editable=False)
    list_name = models.CharField(_("list"), max_length=100)
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_hash", "list_name"], name="credit_entry_unique_per_list"
            )
        ]
        verbose_name = _("public credit entry")
        verbose_name_plural = _("public credit entries")

    def __str__(self) -> str:
        return f"{self.list_name}: {self.certificate_no}"


class PendingSchemaStep(models.Model):
    """A statement that makes again an index or a key a first load dropped, written in the
    same transaction as the drop and deleted once the statement has run: if the import's
    process dies half-way, the next import runs what is left first
    (``imports.pending_schema_remake``), so the archive never stays without its search
    indexes or its foreign keys."""

    statement = models.TextField()
    # A stage starts when the one before has ended; its lanes run side by side, each
    # lane's steps one after another.
    stage = models.PositiveSmallIntegerField()
    lane = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stage", "lane", "pk"]

    def __str__(self) -> str:
        return self.statement[:80]
