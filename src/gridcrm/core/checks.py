"""System checks of the shared kernel: production refuses to start without the keys of
the personal fields at rest (``gridcrm check --deploy`` lists what is missing)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security)
def sealing_keys_configured(**_kwargs: Any) -> list[CheckMessage]:
    """core.E001 / core.E002: in production the field keys and the hash key must be set;
    development derives both from the secret key (``core.sealing``)."""
    if not settings.PRODUCTION:
        return []
    errors: list[CheckMessage] = []
    if not settings.FIELD_KEYS:
        errors.append(
            Error(
                "GRIDCRM_FIELD_KEYS is not set: phones and ID numbers cannot be sealed.",
                hint="Make a key with `gridcrm rotate_keys --new-key`; see docs/security.md.",
                id="core.E001",
            )
        )
    if not settings.HASH_KEYS:
        errors.append(
            Error(
                "GRIDCRM_HASH_KEY is not set: phones cannot be searched.",
                hint="Set at least 32 random characters; see docs/security.md.",
                id="core.E002",
            )
        )
    return errors
