"""The configuration a new installation starts from: request types with their steps and time
limits taken from State Grid's published service commitments, and a first service matrix.

All of it is data: administrators change the workflows (admin pages, API), marketing
managers the matrix. ``defaults_install`` only writes what is missing entirely.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gridcrm.service.models import MatrixVersion, RequestType, WorkflowStep
from gridcrm.users.roles import Role

AGENT = Role.SERVICE_AGENT.value
FIELD = Role.REGIONAL_COLLECTOR.value
ARCHIVE = Role.ARCHIVE_OFFICER.value
MANAGER = Role.MARKETING_MANAGER.value
WD, H, MIN = "working_days", "hours", "minutes"

# A step: (code, 中文, English, owner role, unit, limit, {rural, remote, also})
Step = tuple[str, str, str, str, str, int, dict[str, Any]]


def _s(code: str, zh: str, en: str, role: str, unit: str, limit: int, **kw: Any) -> Step:
    return (code, zh, en, role, unit, limit, kw)


ACCEPT = _s("accept", "受理", "Accept", AGENT, WD, 1)
ACCEPT_SIGN = _s("accept", "受理签约", "Accept and sign", AGENT, WD, 1)
FOLLOW_UP = _s("follow_up", "回访", "Follow-up call", AGENT, WD, 1)
ARCHIVE_UPDATE = _s("archive", "档案变更归档", "Update the archive", ARCHIVE, WD, 2)


def _change(code: str, zh: str, en: str, site: int, archive: int = 1, **kw: Any) -> dict[str, Any]:
    """A change of use (暂停, 减容 …): accept, on-site work, update the archive."""
    return {
        "code": code,
        "name_zh": zh,
        "name_en": en,
        "category": "change",
        "unit": WD,
        "total": 1 + site + archive,
        "steps": [
            ACCEPT,
            _s("site", "现场处理", "On-site work", FIELD, WD, site),
            _s("archive", "档案变更归档", "Update the archive", ARCHIVE, WD, archive),
        ],
        **kw,
    }


# Limits: residential connection ≤ 5 working days, low-voltage business ≤ 6,
# high-voltage single supply ≤ 22, dual supply ≤ 32; repair crews on site within 45
# minutes (city) / 90 (rural) / 120 (remote), supply back within 3 hours (city) / 4
# (rural); meter disputes answered within 5 working days.
REQUEST_TYPES: list[dict[str, Any]] = [
    {
        "code": "new_lv_residential",
        "name_zh": "低压居民新装",
        "name_en": "New connection, low-voltage residential",
        "category": "connection",
        "unit": WD,
        "total": 5,
        "steps": [
            ACCEPT_SIGN,
            # The agent may record the crew's completion report taken on the phone.
            _s("connect", "装表接电", "Install the meter and connect", FIELD, WD, 3, also=[AGENT]),
            FOLLOW_UP,
        ],
    },
    {
        "code": "new_lv_business",
        "name_zh": "低压非居民新装",
        "name_en": "New connection, low-voltage business",
        "category": "connection",
        "unit": WD,
        "total": 6,
        "steps": [
            ACCEPT_SIGN,
            _s("survey", "现场勘查", "Site survey", FIELD, WD, 2),
            _s("connect", "装表接电", "Install the meter and connect", FIELD, WD, 2),
            FOLLOW_UP,
        ],
    },
    {
        "code": "new_hv_single",
        "name_zh": "高压单电源新装",
        "name_en": "New connection, high-voltage single supply",
        "category": "connection",
        "unit": WD,
        "total": 22,
        "needs_tier1": True,
        "steps": [
            ACCEPT_SIGN,
            _s("survey", "现场勘查", "Site survey", FIELD, WD, 3),
            _s("scheme", "供电方案答复", "Supply scheme reply", MANAGER, WD, 7),
            _s("acceptance", "竣工检验", "Completion inspection", FIELD, WD, 6),
            _s("connect", "装表接电", "Install the meter and connect", FIELD, WD, 4),
            FOLLOW_UP,
        ],
    },
    {
        "code": "new_hv_dual",
        "name_zh": "高压双电源新装",
        "name_en": "New connection, high-voltage dual supply",
        "category": "connection",
        "unit": WD,
        "total": 32,
        "needs_tier1": True,
        "steps": [
            ACCEPT_SIGN,
            _s("survey", "现场勘查", "Site survey", FIELD, WD, 4),
            _s("scheme", "供电方案答复", "Supply scheme reply", MANAGER, WD, 12),
            _s("acceptance", "竣工检验", "Completion inspection", FIELD, WD, 9),
            _s("connect", "装表接电", "Install the meter and connect", FIELD, WD, 5),
            FOLLOW_UP,
        ],
    },
    {
        "code": "increase_lv",
        "name_zh": "低压增容",
        "name_en": "Capacity increase, low voltage",
        "category": "connection",
        "unit": WD,
        "total": 6,
        "needs_tier1": True,
        "steps": [
            ACCEPT_SIGN,
            _s("survey", "现场勘查", "Site survey", FIELD, WD, 2),
            _s("connect", "换表接电", "Change the meter and connect", FIELD, WD, 2),
            FOLLOW_UP,
        ],
    },
    {
        "code": "increase_hv",
        "name_zh": "高压增容",
        "name_en": "Capacity increase, high voltage",
        "category": "connection",
        "unit": WD,
        "total": 22,
        "needs_tier1": True,
        "steps": [
            ACCEPT_SIGN,
            _s("survey", "现场勘查", "Site survey", FIELD, WD, 3),
            _s("scheme", "供电方案答复", "Supply scheme reply", MANAGER, WD, 7),
            _s("acceptance", "竣工检验", "Completion inspection", FIELD, WD, 6),
            _s("connect", "装表接电", "Install the meter and connect", FIELD, WD, 4),
            FOLLOW_UP,
        ],
    },
    _change("merge_accounts", "并户", "Merge accounts", 2, 2, needs_tier1=True),
    _change("split_account", "分户", "Split an account", 2, 2, needs_tier1=True),
    {
        "code": "rename",
        "name_zh": "更名",
        "name_en": "Change of name",
        "category": "change",
        "unit": WD,
        "total": 3,
        "needs_tier1": True,
        "steps": [ACCEPT, ARCHIVE_UPDATE],
    },
    {
        "code": "transfer",
        "name_zh": "过户",
        "name_en": "Change of ownership",
        "category": "change",
        "unit": WD,
        "total": 3,
        "needs_tier1": True,
        "steps": [ACCEPT, ARCHIVE_UPDATE],
    },
    _change("suspend", "暂停", "Suspension", 3, needs_tier1=True),
    _change("resume_early", "暂停提前恢复", "Early end of a suspension", 3, needs_tier1=True),
    _change("reduce", "减容", "Capacity reduction", 3, needs_tier1=True),
    _change("restore", "减容恢复", "Capacity restoration", 3, needs_tier1=True),
    _change("change_tariff", "改类", "Change of tariff category", 2, 2, needs_tier1=True),
    _change("move_meter", "移表", "Moving a meter", 3),
    _change("terminate", "销户", "Termination", 3, needs_tier1=True),
    {
        "code": "temporary",
        "name_zh": "临时用电",
        "name_en": "Temporary supply",
        "category": "connection",
        "unit": WD,
        "total": 6,
        "steps": [
            ACCEPT_SIGN,
            _s("survey", "现场勘查", "Site survey", FIELD, WD, 2),
            _s("connect", "装表接电", "Install the meter and connect", FIELD, WD, 3),
        ],
    },
    {
        "code": "fault_repair",
        "name_zh": "故障报修",
        "name_en": "Fault repair",
        "category": "fault",
        "unit": MIN,
        "total": 180,
        "rural": 240,
        "remote": 360,
        "steps": [
            _s("dispatch", "派单", "Dispatch a crew", AGENT, MIN, 5),
            _s(
                "on_site",
                "到达现场",
                "Crew on site",
                FIELD,
                MIN,
                40,
                rural=85,
                remote=115,
                also=[AGENT],
            ),
            _s(
                "restore",
                "恢复送电",
                "Supply restored",
                FIELD,
                MIN,
                135,
                rural=150,
                remote=240,
                also=[AGENT],
            ),
            _s("follow_up", "回访", "Follow-up call", AGENT, H, 24),
        ],
    },
    {
        "code": "complaint",
        "name_zh": "投诉",
        "name_en": "Complaint",
        "category": "complaint",
        "unit": WD,
        "total": 6,
        "steps": [
            ACCEPT,
            _s("investigate", "调查处理", "Investigate", FIELD, WD, 3),
            _s("reply", "答复客户", "Reply to the customer", AGENT, WD, 2),
        ],
    },
    {
        "code": "billing_dispute",
        "name_zh": "电费/计量异议",
        "name_en": "Billing or meter dispute",
        "category": "dispute",
        "unit": WD,
        "total": 5,
        "steps": [
            ACCEPT,
            _s("check", "核查校验", "Check the bill or test the meter", FIELD, WD, 3),
            _s("reply", "答复客户", "Reply to the customer", AGENT, WD, 1),
        ],
    },
    {
        "code": "enquiry",
        "name_zh": "咨询",
        "name_en": "Enquiry",
        "category": "enquiry",
        "unit": WD,
        "total": 1,
        "steps": [_s("answer", "答复", "Answer", AGENT, WD, 1)],
    },
]

_NEW_AND_TRANSFER = [
    "new_lv_residential",
    "new_lv_business",
    "new_hv_single",
    "new_hv_dual",
    "transfer",
]
_CREDIT_CHECK = {
    "code": "credit_check",
    "name_zh": "信用与欠费核查",
    "name_en": "Credit and arrears check",
    "owner_role": FIELD,
    "limit_unit": WD,
    "limit_value": 1,
    "before": "",
}

# R9: a key account's request through the fast channel skips the general queue.
FAST_CHANNEL_RULE: dict[str, Any] = {
    "channel": "fast_channel",
    "priority": 1,
    "limit_factor": "0.50",
    "note": "大客户快速通道：优先级 1，各环节时限减半",
}

MATRIX_RULES: list[dict[str, Any]] = [
    {
        "segment": "residential",
        "package": "standard",
        "note": "居民：标准化便捷服务（自助办理、缴费提醒、阶梯电价信息）",
    },
    {
        "segment": "industrial",
        "package": "professional",
        "note": "工业：定制化专业服务（专属经理、能效建议、专项报告）",
    },
    {
        "segment": "commercial",
        "package": "professional",
        "note": "商业：定制化专业服务（增值服务、节能项目）",
    },
    {
        "segment": "public_utility",
        "package": "professional",
        "note": "公共事业：供电质量与安全优先的专业服务",
    },
    FAST_CHANNEL_RULE,
    {"importance": "special", "priority": 1, "note": "特级重要用户：最高优先"},
    {"importance": "class_1", "priority": 2, "note": "一级重要用户：优先处理"},
    {"importance": "class_2", "priority": 2, "note": "二级重要用户：优先处理"},
    {
        "credit_grade": "AAA",
        "request_types": _NEW_AND_TRANSFER,
        "priority": 1,
        "limit_factor": "0.80",
        "note": "信用优秀：新装、过户优先办理（插队），时限缩短两成",
    },
    {
        "credit_grade": "B",
        "reminder_days": [7, 3, 1],
        "note": "信用较差：加密催缴提醒（缴费期限按信用政策缩短）",
    },
    {
        "credit_grade": "C",
        "reminder_days": [10, 5, 3, 1],
        "note": "信用差：加密催缴提醒，重点关注（缴费期限按信用政策缩短）",
    },
    {
        "credit_grade": "B",
        "request_types": ["increase_lv", "increase_hv"],
        "extra_steps": [_CREDIT_CHECK],
        "note": "信用较差：增容前核查信用与欠费",
    },
    {
        "credit_grade": "C",
        "request_types": ["increase_lv", "increase_hv"],
        "extra_steps": [_CREDIT_CHECK],
        "note": "信用差：增容前核查信用与欠费",
    },
]


def request_type_install(spec: dict[str, Any], *, position: int) -> RequestType:
    request_type = RequestType.objects.create(
        code=spec["code"],
        name_zh=spec["name_zh"],
        name_en=spec["name_en"],
        category=spec["category"],
        limit_unit=spec["unit"],
        limit_value=spec["total"],
        limit_rural=spec.get("rural"),
        limit_remote=spec.get("remote"),
        needs_tier1=spec.get("needs_tier1", False),
        position=position,
    )
    WorkflowStep.objects.bulk_create(
        WorkflowStep(
            request_type=request_type,
            position=n,
            code=code,
            name_zh=zh,
            name_en=en,
            owner_role=role,
            limit_unit=unit,
            limit_value=limit,
            limit_rural=kw.get("rural"),
            limit_remote=kw.get("remote"),
            also_roles=kw.get("also", []),
        )
        for n, (code, zh, en, role, unit, limit, kw) in enumerate(spec["steps"], start=1)
    )
    return request_type


@transaction.atomic
def defaults_install() -> None:
    """Install the default request types and matrix where there are none at all."""
    from gridcrm.service.matrix import matrix_install

    if not RequestType.objects.exists():
        for n, spec in enumerate(REQUEST_TYPES, start=1):
            request_type_install(spec, position=n * 10)
    if not MatrixVersion.objects.exists():
        matrix_install(MATRIX_RULES, note="初始服务矩阵 / initial service matrix")
