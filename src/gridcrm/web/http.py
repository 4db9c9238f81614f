"""The request type of views behind ``login_required``: the user is a real ``User``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from gridcrm.users.models import User


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
