"""The closed vocabularies of the customer archive (GLOSSARY.md gives the words)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Segment(models.TextChoices):
    """The five customer segments of the paper (§2.1, R6)."""

    PUBLIC_UTILITY = "public_utility", _("Public utility")
    INDUSTRIAL = "industrial", _("Industrial")
    COMMERCIAL = "commercial", _("Commercial")
    RESIDENTIAL = "residential", _("Residential")
    OTHER = "other", _("Other")


class TariffCategory(models.TextChoices):
    """用电类别 of the catalogue tariff."""

    # 居民生活用电, not the segment's 居民: one English word, two Chinese words.
    RESIDENTIAL = "residential", pgettext_lazy("tariff category", "Residential")
    GENERAL_CI = "general_ci", _("General commercial & industrial")
    LARGE_INDUSTRY = "large_industry", _("Large industry")
    AGRICULTURE = "agriculture", _("Agricultural production")


class TariffStructure(models.TextChoices):
    SINGLE_PART = "single_part", _("Single-part tariff")
    TWO_PART = "two_part", _("Two-part tariff")


class VoltageLevel(models.TextChoices):
    V220 = "220V", "220 V"
    V380 = "380V", "380 V"
    KV10 = "10kV", "10 kV"
    KV35 = "35kV", "35 kV"
    KV110 = "110kV", "110 kV"
    KV220 = "220kV", "220 kV"


class CertificateType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    USCC = "uscc", _("Unified social credit code")


class ImportanceClass(models.TextChoices):
    """重要电力用户 class (GB/T 29328)."""

    NONE = "none", _("Not an important customer")
    SPECIAL = "special", _("Special class")
    CLASS_I = "class_1", _("Class I")
    CLASS_II = "class_2", _("Class II")
    TEMPORARY = "temporary", _("Temporary")


class ProductionShifts(models.TextChoices):
    ONE = "one", _("One shift")
    TWO = "two", _("Two shifts")
    THREE = "three", _("Three shifts")
    CONTINUOUS = "continuous", _("Continuous process")


class MeterKind(models.TextChoices):
    SMART_1P = "smart_1p", _("Smart meter, single-phase")
    SMART_3P = "smart_3p", _("Smart meter, three-phase")
    CT = "ct", _("Three-phase meter via CT/VT")
    PREPAID = "prepaid", _("Prepaid meter")


class PaymentMethod(models.TextChoices):
    COUNTER = "counter", _("Counter")
    BANK_DEDUCTION = "bank_deduction", _("Bank deduction")
    APP = "app", _("Power app")
    WECHAT_ALIPAY = "wechat_alipay", _("WeChat / Alipay")
    PREPAID = "prepaid", _("Prepaid")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    APP = "app", _("Power app")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")


class BillingMethod(models.TextChoices):
    ENERGY = "energy", _("By energy (kWh)")
    CAPACITY = "capacity", _("Two-part, by capacity")
    DEMAND = "demand", _("Two-part, by maximum demand")


class CreditAttention(models.TextChoices):
    NORMAL = "normal", _("Normal")
    WATCH = "watch", _("Watch")
    SPECIAL = "special", _("Special attention")
