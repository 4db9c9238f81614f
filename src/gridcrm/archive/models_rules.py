"""The mapping rules' storage: published rule set versions and their rules (R11).

Importable from ``gridcrm.archive.models`` like every model of the archive.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridcrm.core.versioning import PublishedVersion


class RuleSetVersion(PublishedVersion):
    """One published version of the mapping rules; versions are never edited, only
    superseded. Published through ``core.versioning.version_publish``."""

    class Meta(PublishedVersion.Meta):
        constraints = [
            models.UniqueConstraint(fields=["number"], name="rule_set_version_number_unique")
        ]
        verbose_name = _("rule set version")
        verbose_name_plural = _("rule set versions")

    def __str__(self) -> str:
        return f"v{self.number}"


class MappingRule(models.Model):
    """A declarative rule (R11): when all conditions hold, set a value or behaviour field.

    ``conditions`` is a list of ``{"field", "op", "value"}``; ops are ``eq``, ``ne``,
    ``in``, ``not_in``, ``gte``, ``lte``, ``startswith``, ``blank`` and ``not_blank``.
    The shape of a rule as it is given (form, API) is ``rules.RuleRow``.
    """

    version = models.ForeignKey(RuleSetVersion, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    conditions = models.JSONField(_("conditions"), default=list)
    target = models.CharField(_("target field"), max_length=60)
    value = models.CharField(_("value"), max_length=60)
    raise_only = models.BooleanField(
        _("raise only"),
        default=True,
        help_text=_("Keep the higher of the current and the rule's value (for coefficients)."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)

    class Meta:
        ordering = ["priority", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="rule_code_unique_per_version")
        ]
        verbose_name = _("mapping rule")
        verbose_name_plural = _("mapping rules")

    def __str__(self) -> str:
        return f"{self.code} ({self.version})"
