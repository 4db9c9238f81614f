"""Service pages in words: the matrix's extra steps and request types by name, notice
channels by name, priority reasons in the reader's language."""

from __future__ import annotations

from django.test import Client

from gridcrm.archive.models import Customer
from gridcrm.service.matrix import decide, matrix_publish, reasons_in
from gridcrm.users.models import User

EXTRA = {
    "code": "site_check",
    "name_zh": "现场核实",
    "name_en": "Site check",
    "owner_role": "regional_collector",
    "limit_unit": "working_days",
    "limit_value": 1,
}


def test_the_matrix_page_shows_extra_steps_in_words_and_types_by_name(
    client: Client, manager: User
) -> None:
    matrix_publish(
        rules=[
            {
                "segment": "industrial",
                "request_types": ["fault_repair"],
                "extra_steps": [EXTRA],
                "note": "工业故障现场核实",
            }
        ],
        note="x",
        acting_user=manager,
    )
    client.force_login(manager)
    client.cookies["django_language"] = "en"
    html = client.get("/service/matrix/").content.decode()
    steps = html.split('data-testid="extra-steps">', 1)[1].split("</span>", 1)[0]
    assert "Site check" in steps
    assert "working_days" not in steps
    assert "regional_collector" not in steps
    assert "[{" not in steps  # the words, not the JSON the hidden field keeps
    assert '<option value="fault_repair" selected>' in html


def test_priority_reasons_follow_the_reader_s_language(manager: User, customer_a: Customer) -> None:
    matrix_publish(
        rules=[{"segment": customer_a.segment, "priority": 2, "note": "迎峰度夏居民优先"}],
        note="x",
        acting_user=manager,
    )
    decision = decide(customer=customer_a).as_json()
    from django.utils import translation

    with translation.override("en"):
        english = reasons_in(decision)
    with translation.override("zh-hans"):
        chinese = reasons_in(decision)
    assert "priority 2" in english[0]
    assert "迎峰度夏居民优先" in english[0]  # the author's note, as written
    assert english != chinese
    assert reasons_in({"reasons": ["old"]}) == ["old"]  # decisions made before
