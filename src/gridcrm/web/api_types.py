"""Types of API schemas whose OpenAPI form differs from pydantic's default."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import WithJsonSchema

# A local time of day (Beijing time, as the company works), e.g. "18:00:00". Pydantic
# documents a ``time`` as ``format: time``, which JSON Schema reads as RFC 3339's full-time
# and so requires an offset ("18:00:00+08:00") the API never writes: every answer with a
# time of day broke its own schema.
ClockTime = Annotated[
    dt.time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "A local time of day, HH:MM or HH:MM:SS.",
        }
    ),
]
