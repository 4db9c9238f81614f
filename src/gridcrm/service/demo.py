"""Demo data of the service app: the 2025–2026 holiday calendar, service areas, requests in
every state, notices with their delivery log.

``demo_service_data(seed=…, stdout=…)`` is called by the demo command after the customers
and the demo logins exist. Everything goes through the services, so the timelines, breaches
and deliveries are what real use would leave. It reads like an ordinary day: most requests
are worked within their limits, some near a limit are warned, a few are late (breached
and escalated). Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any, TextIO

from django.db import transaction
from django.utils import timezone

from gridcrm.archive.demo import customer_get, customer_pks, transformer_areas
from gridcrm.core.errors import DomainError
from gridcrm.service.calendar import deadline
from gridcrm.service.channels import CHANNELS
from gridcrm.service.delivery import backoff
from gridcrm.service.models import (
    AreaKind,
    DeliveryAttempt,
    HolidayDay,
    NoticeDelivery,
    RegionArea,
    RequestType,
    ServiceRequest,
)
from gridcrm.service.notices import Target, notice_create, notice_publish
from gridcrm.service.services import (
    channel_preferences_set,
    request_create,
    request_step_complete,
    request_take,
    timers_sweep,
)
from gridcrm.users.demo import RegionLevel, regions_of_level, users_named, users_with_role
from gridcrm.users.roles import Role

if TYPE_CHECKING:
    from gridcrm.archive.models import Customer
    from gridcrm.users.models import User

# The State Council's published schedules (国务院办公厅 节假日安排): holidays and the
# weekend days worked in exchange (调休上班).
HOLIDAYS: dict[str, list[tuple[str, str]]] = {
    "元旦": [("2025-01-01", "2025-01-01"), ("2026-01-01", "2026-01-03")],
    "春节": [("2025-01-28", "2025-02-04"), ("2026-02-15", "2026-02-23")],
    "清明节": [("2025-04-04", "2025-04-06"), ("2026-04-04", "2026-04-06")],
    "劳动节": [("2025-05-01", "2025-05-05"), ("2026-05-01", "2026-05-05")],
    "端午节": [("2025-05-31", "2025-06-02"), ("2026-06-19", "2026-06-21")],
    "中秋节": [("2026-09-25", "2026-09-27")],
    "国庆节、中秋节": [("2025-10-01", "2025-10-08")],
    "国庆节": [("2026-10-01", "2026-10-07")],
}
MAKE_UP_DAYS = [
    "2025-01-26",
    "2025-02-08",
    "2025-04-27",
    "2025-09-28",
    "2025-10-11",
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
]

# What households and businesses ask for, with weights.
RESIDENTIAL_MIX = [
    ("fault_repair", 30),
    ("enquiry", 20),
    ("billing_dispute", 12),
    ("new_lv_residential", 12),
    ("complaint", 6),
    ("transfer", 6),
    ("rename", 4),
    ("move_meter", 4),
    ("terminate", 3),
]
BUSINESS_MIX = [
    ("increase_lv", 10),
    ("new_lv_business", 10),
    ("fault_repair", 14),
    ("billing_dispute", 8),
    ("suspend", 6),
    ("resume_early", 3),
    ("reduce", 5),
    ("restore", 3),
    ("change_tariff", 4),
    ("temporary", 5),
    ("complaint", 4),
    ("enquiry", 8),
    ("new_hv_single", 3),
    ("increase_hv", 3),
    ("transfer", 3),
    ("merge_accounts", 1),
    ("split_account", 1),
]
SUMMARIES = {
    "fault_repair": [
        "家中突然停电，邻居也停了",
        "表箱冒烟，请尽快处理",
        "电压忽高忽低，电器无法使用",
    ],
    "enquiry": ["咨询阶梯电价标准", "咨询峰谷电价如何申请", "咨询电费账单明细"],
    "billing_dispute": ["本月电费比上月高出一倍", "怀疑电能表计量不准，申请校验"],
    "new_lv_residential": ["新建住宅申请一户一表", "自建房申请新装用电"],
    "complaint": ["抢修人员到达超时", "停电未提前通知"],
    "transfer": ["房屋买卖，申请过户"],
    "rename": ["户名变更为现产权人"],
    "move_meter": ["房屋改造，申请移表"],
    "terminate": ["房屋拆迁，申请销户"],
}
DEFAULT_SUMMARY = ["企业生产需要，申请办理", "按客户来函办理", "客户经理代为提交"]

STEP_ACTORS = {
    "service_agent": "agent",
    "archive_officer": "archivist",
    "marketing_manager": "manager",
    "key_account_manager": "kam",
    "business_specialist": "specialist",
    "demand_planner": "planner",
    "administrator": "admin",
}
# The stations whose collector's queue the demo shows off.
COLLECTORS = {"YQ0101": "collector", "YQ0201": "collector2"}
DEMO_USERNAMES = ["agent", "archivist", "manager", "planner", "kam", "specialist", "admin"]
# What becomes of a request on an ordinary day: worked within its limits, left waiting
# past a limit (breached by the timers), or one step finished late (breached first).
STALL_SHARE = 0.05
LATE_SHARE = 0.035


def holidays_install() -> int:
    """Put the 2025–2026 calendar in place (days already present are left as they are)."""
    rows: list[HolidayDay] = []
    for name, spans in HOLIDAYS.items():
        for start, end in spans:
            day = dt.date.fromisoformat(start)
            while day <= dt.date.fromisoformat(end):
                rows.append(HolidayDay(day=day, kind=HolidayDay.Kind.HOLIDAY, name=name))
                day += dt.timedelta(days=1)
    rows += [
        HolidayDay(day=dt.date.fromisoformat(d), kind=HolidayDay.Kind.WORKDAY, name="调休上班")
        for d in MAKE_UP_DAYS
    ]
    return len(HolidayDay.objects.bulk_create(rows, ignore_conflicts=True))


def request_type_get(code: str) -> RequestType:
    """The request type of ``code`` (for other apps' demo modules)."""
    return RequestType.objects.get(code=code)


def areas_install() -> None:
    """Counties are rural; their station furthest out (盂县) remote; districts are city."""
    for region in regions_of_level(RegionLevel.DISTRICT):
        area = AreaKind.RURAL if region.name.endswith("县") else AreaKind.CITY
        RegionArea.objects.update_or_create(region=region, defaults={"area": area})


def _pick(rng: random.Random, mix: list[tuple[str, int]]) -> str:
    codes, weights = zip(*mix, strict=True)
    return str(rng.choices(codes, weights=weights)[0])


def _actor_for(role: str, customer: Customer, users: dict[str, User]) -> User | None:
    if role == "regional_collector":
        # Each station's collector works its steps (they see only their own customers).
        return users.get(f"station:{customer.region.code}")
    return users.get(STEP_ACTORS.get(role, ""))


def _late_breach(due: dt.datetime) -> None:
    """Run the timers just after ``due``, as the minute timer would have: a step finished
    late was breached (and escalated) while it was still open."""
    timers_sweep(now=due + dt.timedelta(minutes=1))


@transaction.atomic
def demo_service_data(*, seed: int, stdout: TextIO, requests: int = 400) -> dict[str, Any]:
    """Create the service app's demo data for the existing demo customers and logins."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    users = users_named(DEMO_USERNAMES)
    for collector in users_with_role(Role.REGIONAL_COLLECTOR):
        if collector.region is not None:
            users.setdefault(f"station:{collector.region.code}", collector)
    agent = users.get("agent")
    if agent is None:
        stdout.write("No demo agent: skipping service requests.\n")
        return {}
    holidays_install()
    areas_install()
    types = {t.code: t for t in RequestType.objects.filter(active=True)}
    pool = customer_pks()
    if not pool:
        return {}
    chosen = rng.sample(pool, min(requests, len(pool)))
    # Stations with a demo collector get a bigger share, so their queue is worth a look.
    local = customer_pks(station_codes=list(COLLECTORS), limit=2000)
    chosen += rng.sample(local, min(len(local), requests // 4))
    now = timezone.now()
    made = closed = 0
    for pk in chosen:
        customer = customer_get(pk)
        mix = RESIDENTIAL_MIX if customer.segment == "residential" else BUSINESS_MIX
        request_type = types.get(_pick(rng, mix))
        if request_type is None:
            continue
        # Received within the last two weeks (faults within the last day), office hours.
        if request_type.category == "fault":
            received = now - dt.timedelta(minutes=rng.randint(5, 600))
        else:
            day = now - dt.timedelta(days=rng.randint(0, 14))
            received = day.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
        channel = rng.choice(["counter", "phone", "phone", "app", "portal"])
        if customer.account_manager_id and rng.random() < 0.5:
            channel = "fast_channel"
        summary = rng.choice(SUMMARIES.get(request_type.code, DEFAULT_SUMMARY))
        try:
            request = request_create(
                customer=customer,
                request_type=request_type,
                channel=channel,
                summary=summary,
                acting_user=agent,
                now=received,
            )
        except DomainError:
            continue  # e.g. a customer missing tier-1 data for this type
        made += 1
        # Work each step for a while: most steps finish well within their limit; a few
        # requests wait past a limit and a few have one step finished late, as in a
        # real service hall on an ordinary day.
        fate = rng.random()
        steps = list(request.steps.order_by("position"))
        odd_step = rng.randrange(len(steps)) if steps else 0
        at = received
        for index, planned in enumerate(steps):
            # The step as started, with the limit the matrix gave it (priority, area, credit).
            step = request.steps.get(pk=planned.pk)
            # Who holds the request goes on (the same role's next step); otherwise the
            # step waits in its owner role's queue until one of them takes it.
            actor = request.assignee or _actor_for(step.owner_role, customer, users)
            due = step.due_at or deadline(start=at, unit=step.limit_unit, value=step.limit_value)
            late = fate >= 1 - LATE_SHARE and index == odd_step
            # On time also means within the request's own total limit.
            limit = due if late else min(due, request.due_at)
            share = rng.uniform(1.05, 1.6) if late else rng.uniform(0.1, 0.95)
            finish = at + (limit - at) * share
            stalled = fate < STALL_SHARE and index == odd_step
            if actor is None or finish > now or stalled:
                break
            try:
                if request.assignee is None:
                    request = request_take(request=request, acting_user=actor, now=at)
                if late:
                    _late_breach(due)
                request = request_step_complete(
                    request=request,
                    step_code=step.code,
                    acting_user=actor,
                    note=rng.choice(["已处理", "已联系客户", "现场核实完毕", "资料齐全"]),
                    now=finish,
                )
            except DomainError:
                break
            at = finish
        if request.status == ServiceRequest.Status.DONE:
            closed += 1
    sweep = timers_sweep(now=now)
    notices = _demo_notices(rng, users, now)
    stdout.write(
        f"Service: {made} requests ({closed} closed), {sweep.breached} breaches, "
        f"{notices} notices.\n"
    )
    return {"requests": made, "closed": closed, "breaches": sweep.breached, "notices": notices}


def season_notice(day: dt.date) -> tuple[str, str]:
    """The title and text of the notice a supply company issues for the season of ``day``:
    迎峰度夏 in summer, 迎峰度冬 in winter, the spring and autumn grid maintenance between."""
    if 6 <= day.month <= 9:
        return (
            "迎峰度夏期间科学有序用电倡议",
            "夏季用电高峰期间，请将空调温度设置在26℃以上，错峰使用大功率电器。",
        )
    if day.month in (12, 1, 2):
        return (
            "迎峰度冬期间安全用电提示",
            "冬季取暖用电负荷高，请勿私拉乱接电暖器，错峰使用大功率电器，注意用电安全。",
        )
    season = "春季" if 3 <= day.month <= 5 else "秋季"
    return (
        f"{season}电网集中检修期间用电提示",
        f"{season}集中检修期间部分线路将计划停电，停电信息将提前七天公告，请提前做好准备。",
    )


def _demo_notices(rng: random.Random, users: dict[str, User], now: dt.datetime) -> int:
    manager, planner = users.get("manager"), users.get("planner")
    count = 0
    if manager is not None:
        for topic, title, body in (
            (
                "tariff",
                "关于居民阶梯电价年度电量标准的公告",
                "居民生活用电实行阶梯电价，年度第一档电量2760千瓦时，第二档电量2761至4800千瓦时。",
            ),
            (
                "procedure",
                "低压居民新装“一证办、零跑腿”办理指南",
                "凭身份证件即可线上申请新装用电，供电公司上门装表接电，全程不超过5个工作日。",
            ),
            ("procedure", *season_notice(now.date())),
        ):
            notice = notice_create(
                kind="policy",
                topic=topic,
                title=title,
                body=body,
                acting_user=manager,
                effective_on=now.date(),
            )
            notice_publish(notice=notice, acting_user=manager, now=now)
            count += 1
    if planner is not None:
        areas = transformer_areas("YQ0101", limit=20)
        if areas:
            start = (now + dt.timedelta(days=10)).replace(hour=8, minute=0, second=0)
            targets = [Target("transformer_area", a, "YQ0101") for a in rng.sample(areas, 2)]
            outage = notice_create(
                kind="outage",
                topic="outage",
                title="10kV线路检修计划停电通知",
                body="因10kV线路设备检修，以下台区计划停电，请提前做好准备。",
                acting_user=planner,
                targets=targets,
                outage_start=start,
                outage_end=start + dt.timedelta(hours=8),
            )
            notice_publish(notice=outage, acting_user=planner, now=now)
            notice_create(
                kind="outage",
                topic="outage",
                title="配变增容改造停电通知（草稿）",
                body="配电变压器增容改造。",
                acting_user=planner,
                targets=[Target("station", "YQ0101")],
                outage_start=start + dt.timedelta(days=5),
                outage_end=start + dt.timedelta(days=5, hours=6),
            )
            count += 2
            count += _past_outage(rng, planner, manager, now)
    return count


# What the delivery log of an outage notice of three weeks ago shows: of every ten SMS one
# failed and one still waits for the provider's report, of every four e-mails one was
# refused; with the reasons providers give.
_SMS_FATES = ["delivered"] * 3 + ["failed"] + ["delivered"] * 3 + ["sent"] + ["delivered"] * 2
_SMS_FAILURES = ["空号", "用户停机", "gateway answered 500"]
_EMAIL_FATES = ["sent", "failed", "sent", "sent"]
# The attempt rows of this notice were written by the demo, not by a transport: they say so.
DEMO_HISTORY = "demo-history"


def _past_outage(rng: random.Random, planner: User, manager: User | None, now: dt.datetime) -> int:
    """An outage notice published three weeks ago whose outage is over, with the delivery
    log real use would have left: in-app deliveries read or not, SMS delivered, waiting
    for the provider's report or failed after retries, e-mails sent or refused. The demo
    has no gateway: the outcomes are written as historical rows (``DEMO_HISTORY``), and
    nothing is sent."""
    published = timezone.localtime(now - dt.timedelta(days=21)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    start = (published + dt.timedelta(days=12)).replace(hour=8)
    # Three customers' transformer areas; they and a few neighbours asked for e-mail too,
    # so the e-mail channel shows in the log.
    pool = customer_pks(station_codes=["YQ0101"], limit=400)
    picked = [customer_get(pk) for pk in rng.sample(pool, min(3, len(pool)))]
    areas_hit = sorted({c.transformer_area for c in picked if c.transformer_area})
    if not areas_hit:
        return 0
    targets = [Target("transformer_area", a, "YQ0101") for a in areas_hit]
    if manager is not None:
        for customer in picked:
            try:
                channel_preferences_set(
                    customer=customer,
                    channels=["sms", "email"],
                    email=f"{customer.account_no}@example.cn",
                    acting_user=manager,
                )
            except DomainError:
                continue
    notice = notice_create(
        kind="outage",
        topic="outage",
        title="线路改造计划停电通知（已结束）",
        body="因10kV线路改造，以下台区计划停电，现已恢复供电。",
        acting_user=planner,
        targets=targets,
        outage_start=start,
        outage_end=start + dt.timedelta(hours=6),
    )
    notice_publish(notice=notice, acting_user=planner, now=published)
    seen = {"sms": 0, "email": 0}
    for delivery in NoticeDelivery.objects.filter(notice=notice).select_related("customer"):
        n = seen.get(delivery.channel, 0)
        seen[delivery.channel] = n + 1
        _history(rng, delivery, n)
    return 1


def _history(rng: random.Random, delivery: NoticeDelivery, n: int) -> None:
    at = delivery.send_at
    if delivery.channel == "in_app":
        read = at + dt.timedelta(hours=rng.randint(1, 72)) if rng.random() < 0.55 else None
        _write(delivery, at, "sent", "portal", tries=1, read_at=read)
        return
    fates = _SMS_FATES if delivery.channel != "email" else _EMAIL_FATES
    fate = fates[n % len(fates)]
    if fate == "failed":
        reason = (
            rng.choice(_SMS_FAILURES)
            if delivery.channel != "email"
            else "SMTP refused the recipient: 550 mailbox unavailable"
        )
        tries = 3 if "500" in reason else 1
        _write(delivery, at, "failed", reason, tries=tries)
    else:
        _write(delivery, at, fate, "", tries=1)


def _write(
    delivery: NoticeDelivery,
    at: dt.datetime,
    status: str,
    reason: str,
    *,
    tries: int,
    read_at: dt.datetime | None = None,
) -> None:
    channel = CHANNELS[delivery.channel]
    address = channel.address(customer=delivery.customer, preference=None) or "-"
    for number in range(1, tries + 1):
        tried = at + backoff(number) * (number > 1)
        last = number == tries
        DeliveryAttempt.objects.create(
            delivery=delivery,
            channel=delivery.channel,
            purpose="notice",
            recipient=channel.masked(address),
            text=delivery.notice.title,
            idempotency_key=delivery.idempotency_key,
            number=number,
            status=status if last else "failed",
            reason=reason,
            provider_ref=DEMO_HISTORY,
            started_at=tried,
            finished_at=tried + dt.timedelta(seconds=2),
        )
    NoticeDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        sent_at=None if status == "failed" else at,
        delivered_at=at + dt.timedelta(seconds=40) if status == "delivered" else None,
        read_at=read_at,
        attempts=tries,
        detail=reason,
    )
