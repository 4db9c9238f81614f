"""The service app's choices: time limit units, areas, credit grades, channels, request
categories and service packages (importable from ``gridcrm.service.models`` too)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    HOURS = "hours", _("hours")
    MINUTES = "minutes", _("minutes")


class AreaKind(models.TextChoices):
    """Where a customer lives decides some commitments (repair crews on site in 45/90/120 min)."""

    CITY = "city", _("City")
    RURAL = "rural", _("Rural")
    REMOTE = "remote", _("Remote")


class CreditGrade(models.TextChoices):
    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class Channel(models.TextChoices):
    """How a request reached the company."""

    COUNTER = "counter", _("Service counter")
    PHONE = "phone", _("95598 phone")
    APP = "app", _("Power app")
    PORTAL = "portal", _("Customer portal")
    FAST_CHANNEL = "fast_channel", _("Key-account fast channel")


class RequestCategory(models.TextChoices):
    CONNECTION = "connection", _("Connection service")
    CHANGE = "change", _("Change of use")
    FAULT = "fault", _("Fault repair")
    COMPLAINT = "complaint", _("Complaint")
    DISPUTE = "dispute", _("Billing or meter dispute")
    ENQUIRY = "enquiry", _("Enquiry")


class Package(models.TextChoices):
    STANDARD = "standard", _("Standard package")
    PROFESSIONAL = "professional", _("Professional package")
