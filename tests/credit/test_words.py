"""Credit pages in words: watch-list actions and deposits by name, no Chinese in English."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gridcrm.users.models import User

pytestmark = pytest.mark.django_db


def test_the_policies_page_names_the_watch_list_actions(client: Client, manager: User) -> None:
    client.force_login(manager)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("credit:policies")).content.decode()
    assert "> Extra payment reminders</label>" in html
    assert '<span class="mono">extra_reminders' not in html
    assert "过户" not in html  # the English page speaks English
    assert "Priority for change of ownership and new connections" in html
