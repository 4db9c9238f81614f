"""What the archive shows beyond its customers in the demo: mapping rules v1, a public
credit list, change requests in every state and tier-3 captures."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from gridcrm.archive.choices import ContactChannel
from gridcrm.archive.credit_lists import credit_list_import
from gridcrm.archive.models import Customer, FieldChange
from gridcrm.archive.services import (
    change_request_approve,
    change_request_submit,
    customers_refresh_all,
    rules_publish,
)
from gridcrm.users.demo import users_named

DEMO_RULES: list[dict[str, Any]] = [
    {
        "code": "public_outage",
        "name": "公共事业单位对停电敏感",
        "conditions": [{"field": "segment", "op": "eq", "value": "public_utility"}],
        "target": "outage_sensitivity",
        "value": "1.5",
        "priority": 10,
    },
    {
        "code": "important_outage",
        "name": "重要电力用户对停电高度敏感",
        "conditions": [
            {"field": "importance_class", "op": "in", "value": "special,class_1,class_2"}
        ],
        "target": "outage_sensitivity",
        "value": "2",
        "priority": 20,
    },
    {
        "code": "continuous_outage",
        "name": "连续生产企业对停电敏感",
        "conditions": [{"field": "production_shifts", "op": "in", "value": "three,continuous"}],
        "target": "outage_sensitivity",
        "value": "1.8",
        "priority": 30,
    },
    {
        "code": "large_industry_price",
        "name": "大工业用户对电价敏感",
        "conditions": [{"field": "tariff_category", "op": "eq", "value": "large_industry"}],
        "target": "price_sensitivity",
        "value": "1.6",
        "priority": 40,
    },
    {
        "code": "commercial_service",
        "name": "商业用户重视服务",
        "conditions": [{"field": "segment", "op": "eq", "value": "commercial"}],
        "target": "service_sensitivity",
        "value": "1.3",
        "priority": 50,
    },
    {
        "code": "blacklist_watch",
        "name": "列入失信名单的客户重点关注",
        "conditions": [{"field": "credit_blacklisted", "op": "eq", "value": "1"}],
        "target": "credit_attention",
        "value": "special",
        "raise_only": False,
        "priority": 60,
    },
    {
        "code": "no_deposit_watch",
        "name": "大容量无保证金客户关注",
        "conditions": [
            {"field": "contracted_kva", "op": "gte", "value": "1000"},
            {"field": "deposit_yuan", "op": "blank", "value": ""},
        ],
        "target": "credit_attention",
        "value": "watch",
        "raise_only": False,
        "priority": 55,
    },
]


def archive_demo_data(*, seed: int, stdout: TextIO) -> None:
    """Mapping rules v1, a public credit list, change requests in every state, tier-3 captures."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    users = users_named(["manager", "agent", "collector", "archivist"])
    if len(users) < 4:
        stdout.write("  (demo logins missing: archive extras skipped)\n")
        return
    rules_publish(
        rules=DEMO_RULES, note="首版:敏感系数与信用关注规则", acting_user=users["manager"]
    )

    enterprises = list(
        Customer.objects.exclude(segment="residential")
        .exclude(certificate_no="")
        .order_by("pk")
        .values_list("certificate_no", flat=True)
    )
    listed = rng.sample(enterprises, k=max(1, len(enterprises) // 60)) if enterprises else []
    today = timezone.localdate()
    # Listed within the past year, never in the future.
    text = "certificate_no,list_name,listed_on\n" + "".join(
        f"{number},严重失信主体名单,{today - dt.timedelta(days=rng.randint(20, 330))}\n"
        for number in listed
    )
    credit_list_import(text=text, source="信用中国(山西)", acting_user=None)
    customers_refresh_all()

    households = list(Customer.objects.filter(segment="residential").order_by("pk")[:400])
    collector_area = list(
        Customer.objects.filter(region=users["collector"].region).order_by("pk")[:40]
    )
    with transaction.atomic():
        for customer in rng.sample(households, k=min(6, len(households))):
            change_request_submit(
                customer=customer,
                field="contracted_kva",
                # A step up from what the household has: never the same value.
                new_value=str(
                    rng.choice([k for k in (12, 16, 20, 25) if k > (customer.contracted_kva or 0)])
                ),
                reason="居民申请增容,已现场勘查",
                acting_user=users["agent"],
            )
        for customer in rng.sample(collector_area, k=min(4, len(collector_area))):
            change_request_submit(
                customer=customer,
                field="address",
                new_value=customer.address.replace("号", "号之一", 1),
                reason="门牌整改,附街道办证明",
                acting_user=users["collector"],
            )
        decided = rng.sample(households[200:], k=min(3, len(households[200:])))
        for customer in decided:
            change = change_request_submit(
                customer=customer,
                field="phone",
                new_value=f"139{rng.randint(10_000_000, 99_999_999)}",
                reason="客户来电告知更换手机号",
                acting_user=users["agent"],
            )
            change_request_approve(request=change, acting_user=users["archivist"])
        captures = [
            FieldChange(
                customer=customer,
                field="preferred_channel",
                old_value="",
                new_value=channel,
                acting_user=users["agent"],
                kind=FieldChange.Kind.CAPTURED,
                reason="95598 回访",
                captured_on=today - dt.timedelta(days=rng.randint(1, 90)),
                contact_channel=ContactChannel.PHONE,
            )
            for customer, channel in (
                (c, rng.choice(["wechat", "app", "sms", "phone"]))
                for c in households[:60]
                if c.preferred_channel
            )
        ]
        FieldChange.objects.bulk_create(captures)
