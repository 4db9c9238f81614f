"""Validators of customer identifiers: account numbers, phones, GB/T 4754 codes,
resident ID numbers (GB 11643) and unified social credit codes (GB 32100)."""

from __future__ import annotations

import operator
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from gridcrm.archive.industries import INDUSTRY_CODE_RE

ACCOUNT_NO_PATTERN = r"^\d{10}$"
PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"

account_no_validator = RegexValidator(
    ACCOUNT_NO_PATTERN, _("An account number is exactly ten digits."), code="account_no"
)
phone_validator = RegexValidator(
    PHONE_PATTERN,
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


# The one definition of both check characters; the import checks whole columns with the
# same constants (``archive.imports.column_checks``).
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK = "10X98765432"
RESIDENT_ID_PATTERN = r"^\d{17}[\dX]$"
_RESIDENT_ID_RE = re.compile(RESIDENT_ID_PATTERN)


def resident_id_is_valid(value: str) -> bool:
    """GB 11643-1999: 17 digits and a check character (ISO 7064 MOD 11-2)."""
    if not _RESIDENT_ID_RE.match(value):
        return False
    return resident_id_check_char(value[:17]) == value[17]


# GB 32100-2015 alphabet: digits and capitals without I, O, S, V, Z.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"
_USCC_RE = re.compile(USCC_PATTERN)


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(value: str) -> bool:
    """GB 32100-2015: 18 characters whose last is a check character (mod 31)."""
    return bool(_USCC_RE.match(value)) and uscc_check_char(value[:17]) == value[17]


def resident_id_check_char(first17: str) -> str:
    """The 18th character of a resident ID number."""
    # map/operator.mul: the demo computes this for every household it makes.
    return RESIDENT_ID_CHECK[sum(map(operator.mul, map(int, first17), RESIDENT_ID_WEIGHTS)) % 11]


def validate_certificate_no(value: str) -> None:
    """A resident ID number or a unified social credit code with a correct check character."""
    if value and not (resident_id_is_valid(value) or uscc_is_valid(value)):
        raise ValidationError(
            _(
                "Enter an 18-character resident ID number or unified social credit code"
                " with a correct check character."
            ),
            code="certificate_no",
        )


def certificate_no_is_valid(value: str) -> bool:
    """A resident ID number or a unified social credit code with a correct check character."""
    return resident_id_is_valid(value) or uscc_is_valid(value)
