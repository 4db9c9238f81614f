"""Searches kept out of URLs: a search is posted, kept in the session under an opaque id,
and the page that shows it is addressed by that id (``?s=…``).

A URL is written to the browser's history, to every proxy's and server's access log,
and into the ``Referer`` of the next request; a phone searched for would be in all of
them. The id means nothing outside the session that made it and expires with
``LIFETIME``.
"""

from __future__ import annotations

import secrets
import time

from django.http import HttpRequest

SESSION_KEY = "gridcrm_searches"
LIFETIME = 3600  # seconds a search can be paged through before it must be typed again
KEPT = 20  # searches remembered per session; the oldest goes first


def search_stash(request: HttpRequest, query: str) -> str:
    """Keep ``query`` in the session; returns the id that recalls it (blank for blank)."""
    if not query:
        return ""
    now = time.time()
    searches: dict[str, list[object]] = {
        sid: entry
        for sid, entry in request.session.get(SESSION_KEY, {}).items()
        if float(entry[1]) > now
    }
    for sid, entry in searches.items():
        if entry[0] == query:
            entry[1] = now + LIFETIME
            request.session[SESSION_KEY] = searches
            return sid
    sid = secrets.token_urlsafe(9)
    searches[sid] = [query, now + LIFETIME]
    request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT:])
    return sid


def search_recall(request: HttpRequest, sid: str) -> str | None:
    """The query kept under ``sid``; ``None`` if this session has none (expired,
    another session's, or made up)."""
    entry = request.session.get(SESSION_KEY, {}).get(sid)
    if entry is None or float(entry[1]) <= time.time():
        return None
    return str(entry[0])
