"""The archive in words: who approved a change is named in the reader's language, and an
import reads a choice by its label in either language (as an export writes it)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from gridcrm.archive import registry
from gridcrm.archive.models import Customer
from gridcrm.archive.services import change_request_approve, change_request_submit
from gridcrm.users.models import User
from gridcrm.users.roles import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("大工业", "large_industry"),
        ("Large industry", "large_industry"),
        ("large_industry", "large_industry"),
    ],
)
def test_a_choice_is_read_by_its_label_in_either_language_or_by_its_code(
    raw: str, code: str
) -> None:
    with translation.override("en"):
        assert registry.spec("tariff_category").clean(raw) == code


def test_the_history_names_the_approver_in_the_reader_s_language(
    client: Client, customer_a: Customer
) -> None:
    agent = make_user("agent", Role.SERVICE_AGENT)
    archivist = make_user("archivist", Role.ARCHIVE_OFFICER)
    User.objects.filter(pk=agent.pk).update(full_name="陈静")
    User.objects.filter(pk=archivist.pk).update(full_name="王档案")
    change = change_request_submit(
        customer=customer_a,
        field="contracted_kva",
        new_value="12",
        reason="增容",
        acting_user=agent,
    )
    with translation.override("zh-hans"):
        change_request_approve(request=change, acting_user=archivist)
    client.force_login(archivist)
    client.cookies["django_language"] = "en"
    html = client.get(customer_a.get_absolute_url()).content.decode()
    history = html.split('data-testid="history"', 1)[1].split("</table>", 1)[0]
    assert "approved by 王档案" in history
    assert "陈静" in history  # who asked, by name
