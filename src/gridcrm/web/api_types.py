"""Types of API schemas whose OpenAPI form differs from pydantic's default."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

# A local time of day (Beijing time, as the company works), e.g. "18:00:00". Pydantic
# documents a ``time`` as ``format: time``, which JSON Schema reads as RFC 3339's full-time
# and so requires an offset ("18:00:00+08:00") the API never writes: every answer with a
# time of day broke its own schema.
_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def _clock_time(value: object) -> object:
    """Only what the schema documents: a time already parsed without an offset, or text
    ``HH:MM[:SS]``. Pydantic alone would also take a number of seconds or an offset
    ("0", "18:00+08:00") and give a time with a timezone no database column can store."""
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and re.match(_CLOCK, value):
        return value
    raise ValueError("expected a local time of day, HH:MM or HH:MM:SS")


ClockTime = Annotated[
    dt.time,
    BeforeValidator(_clock_time),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _CLOCK,
            "description": "A local time of day, HH:MM or HH:MM:SS.",
        }
    ),
]
