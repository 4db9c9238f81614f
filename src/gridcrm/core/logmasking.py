"""A logging filter that keeps phones and ID numbers out of every log line.

Access logs write each request line with its query string, and a customer search by
phone used to put the phone there (``/archive/?q=13812345678``). The search no longer
does (``web.searches``), but links, bookmarks and API calls still can, and so can any
message that quotes a value. Every handler of ``settings.LOGGING`` carries this filter.
"""

from __future__ import annotations

import logging
import re

MASK = "***"

# The value of a search parameter, whatever it holds (a name is personal data too).
_SEARCH_PARAMETER = re.compile(r"([?&](?:q|query|phone|search)=)[^&\s\"']*", re.IGNORECASE)
# Digit runs that are phones or ID numbers, never account numbers (ten digits) or
# dates and times (which are split by separators).
_PERSONAL = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"[0-9]{11,}[Xx]?"  # mobiles (11), landlines with area code, resident IDs (17 + check)
    r"|0[0-9]{2,3}-[0-9]{7,8}"  # a landline typed with its dash
    r"|[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{9}[0-9A-HJ-NP-RTUW-Y]"  # USCC
    r")(?![0-9A-Za-z])"
)


def mask_personal(text: str) -> str:
    """``text`` with search parameters' values and phone- or ID-like runs masked."""
    return _PERSONAL.sub(MASK, _SEARCH_PARAMETER.sub(rf"\g<1>{MASK}", text))


class PersonalDataFilter(logging.Filter):
    """Masks phones, ID numbers and search terms in a record's message (never drops it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a record whose arguments do not fit: leave it
            return True
        masked = mask_personal(message)
        if masked != message:
            record.msg = masked
            record.args = ()
        return True
