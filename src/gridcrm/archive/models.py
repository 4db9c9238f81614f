"""The customer master: one row per electricity account (户)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.industries import INDUSTRY_CODE_RE
from gridcrm.users.models import Region


class Segment(models.TextChoices):
    """The five customer segments of the paper (§2.1, R6)."""

    PUBLIC_UTILITY = "public_utility", _("Public utility")
    INDUSTRIAL = "industrial", _("Industrial")
    COMMERCIAL = "commercial", _("Commercial")
    RESIDENTIAL = "residential", _("Residential")
    OTHER = "other", _("Other")


class TariffCategory(models.TextChoices):
    """用电类别 of the catalogue tariff."""

    RESIDENTIAL = "residential", _("Residential")
    GENERAL_CI = "general_ci", _("General commercial & industrial")
    LARGE_INDUSTRY = "large_industry", _("Large industry")
    AGRICULTURE = "agriculture", _("Agricultural production")


class VoltageLevel(models.TextChoices):
    V220 = "220V", "220 V"
    V380 = "380V", "380 V"
    KV10 = "10kV", "10 kV"
    KV35 = "35kV", "35 kV"
    KV110 = "110kV", "110 kV"
    KV220 = "220kV", "220 kV"


account_no_validator = RegexValidator(
    r"^\d{10}$", _("An account number is exactly ten digits."), code="account_no"
)
phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$",
    _("Enter a mobile number (11 digits) or a landline with area code."),
    code="phone",
)


def validate_industry_code(value: str) -> None:
    """A GB/T 4754 class: a section letter A–T and four digits."""
    if value and not INDUSTRY_CODE_RE.match(value):
        raise ValidationError(
            _("%(value)s is not a GB/T 4754 class such as C3110."),
            code="industry_code",
            params={"value": value},
        )


class Customer(models.Model):
    """An electricity customer (电力客户) with the core tier-1 basic fields."""

    account_no = models.CharField(
        _("account number"), max_length=10, unique=True, validators=[account_no_validator]
    )
    name = models.CharField(_("account name"), max_length=200, db_index=True)
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices)
    tariff_category = models.CharField(
        _("tariff category"), max_length=20, choices=TariffCategory.choices
    )
    voltage_level = models.CharField(
        _("voltage level"), max_length=10, choices=VoltageLevel.choices
    )
    contracted_kva = models.DecimalField(
        _("contracted capacity (kVA)"),
        max_digits=10,
        decimal_places=1,
        validators=[MinValueValidator(0)],
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="customers", verbose_name=_("supply station")
    )
    address = models.CharField(_("address"), max_length=255)
    phone = models.CharField(_("contact phone"), max_length=20, validators=[phone_validator])
    industry_code = models.CharField(
        _("industry (GB/T 4754)"),
        max_length=5,
        blank=True,
        validators=[validate_industry_code],
        help_text=_("Blank for households."),
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="portfolio",
        verbose_name=_("key-account manager"),
    )
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer_account",
        verbose_name=_("portal login"),
    )
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
        ]
        indexes = [models.Index(fields=["region", "segment"])]

    def __str__(self) -> str:
        return f"{self.account_no} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("archive:customer_detail", args=[self.account_no])


class DisclosureEvent(models.Model):
    """Who saw a customer's unmasked personal data, when and through which channel (PIPL)."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        EXPORT = "export", _("Export")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, related_name="disclosures"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    fields = models.CharField(max_length=200)
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("disclosure of personal data")
        verbose_name_plural = _("disclosures of personal data")

    def __str__(self) -> str:
        return f"{self.actor} · {self.fields} · {self.at:%Y-%m-%d %H:%M}"
