"""Demo data of the key-account platform: the roster from the demo archive, managers and
backups, a year of visits with notes in realistic Chinese (each account with a story that
recurs — what its data shows, such as a poor power factor, or plans of its own), fast-
channel requests worked step by step with feedback calls, needs reports, needs in every
stage of the pipeline, and the latent needs the data then suggests."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any, TextIO

from django.db import transaction
from django.utils import timezone, translation

from gridcrm.keyaccounts import latent
from gridcrm.keyaccounts.fastchannel import fast_request_create, feedback_call_record
from gridcrm.keyaccounts.models import KeyAccount, Need, Stage, Topic, Visit
from gridcrm.keyaccounts.roster import VISIT_INTERVAL_DAYS
from gridcrm.keyaccounts.services import (
    group_assign,
    keyaccount_assign,
    latent_need_add,
    need_screen,
    need_transition,
    report_send,
    roster_refresh,
)
from gridcrm.service.demo import request_type_get
from gridcrm.service.services import request_step_complete
from gridcrm.users.demo import users_with_role
from gridcrm.users.roles import Role

if TYPE_CHECKING:
    from gridcrm.users.models import User

MAX_ACCOUNTS = 240  # accounts that get a year of visits; the rest keep the roster only

PEOPLE = [
    "设备动力部{surname}部长",
    "总经理{surname}总",
    "电气车间{surname}主任",
    "财务部{surname}科长",
    "能源管理员{surname}工",
    "后勤处{surname}处长",
    "基建办{surname}主任",
    "安全环保部{surname}经理",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"

NOTES: dict[str, list[str]] = {
    Topic.SUPPLY_QUALITY: [
        "客户反映上月{month}月中旬两次电压暂降,造成{line}停机约{n}分钟,希望查明原因。",
        "客户关注迎峰度夏期间供电可靠性,询问{line}所在线路的检修计划。",
        "车间变频设备对电压波动敏感,客户希望我方协助做一次电能质量测试。",
    ],
    Topic.TARIFF_BILL: [
        "财务部对{month}月电费中基本电费有疑问,已现场解释按需量计费规则。",
        "客户咨询分时电价调整后峰谷时段变化,已提供最新电价文件。",
        "客户希望了解市场化交易购电方式,已说明代理购电价格构成。",
    ],
    Topic.CAPACITY_CHANGE: [
        "客户计划明年新增{line},预计新增负荷约{kw}千瓦,需提前办理增容。",
        "淡季部分生产线停产,客户询问暂停部分变压器容量的办理流程。",
        "客户拟将两台变压器合并运行,咨询减容及基本电费影响。",
    ],
    Topic.ENERGY_EFFICIENCY: [
        "客户对空压机系统节能改造感兴趣,建议开展一次能效诊断。",
        "厂房屋顶面积约{area}平方米,客户有意建设分布式光伏,希望了解并网流程。",
        "客户功率因数偏低被考核,建议加装无功补偿装置。",
    ],
    Topic.NEW_PROJECT: [
        "客户二期项目已取得环评批复,预计{month}月开工,需要施工临时用电。",
        "集团计划在开发区新建生产基地,客户希望提前沟通供电方案。",
        "客户拟建设电动汽车充电站,咨询报装容量和电价政策。",
    ],
    Topic.COMPLAINT: [
        "客户对上次故障抢修到场时间不满意,已记录并承诺回复处理结果。",
        "客户反映计划停电通知时间偏短,影响排产,已向调度反映。",
    ],
}
LINES = ["一号生产线", "熔炼车间", "空压站", "冷库", "数据机房", "锅炉房", "污水处理站"]
# What keeps coming up with one customer over the year, in the order it develops; the
# topic miner should find these themes recurring (``topics.THEMES``).
STORYLINES: dict[str, list[str]] = {
    "reactive_power": [
        "客户反映近几个月功率因数只有0.8左右,每月被收取力调电费,希望我方帮助分析原因。",
        "与设备动力部一起查看电容器柜,部分电容器已经损坏,功率因数仍不达标。",
        "客户再次提到力调电费支出偏高,询问无功补偿装置改造的投资和回收期。",
        "客户已着手编制无功补偿改造预算,希望我方提供技术参数建议。",
    ],
    "reliability": [
        "客户反映{month}月份10千伏进线跳闸,{line}停机约{n}分钟,损失较大。",
        "本季度又发生一次故障停电,客户对供电可靠性意见较大,询问能否增加一路电源。",
        "客户保安电源容量不足,停电时{line}无法维持运行,希望研究双电源供电方案。",
        "客户再次强调停电对连续生产影响严重,希望年内落实双电源改造。",
    ],
    "capacity": [
        "客户二期项目已开工,计划新上{line},预计新增负荷约{kw}千瓦,需提前办理增容。",
        "二期项目设备已陆续到货,客户催问增容方案答复时间。",
        "夏季高峰时段现有变压器接近满载,客户增容需求迫切。",
    ],
    "tariff": [
        "财务部对基本电费按需量计收有疑问,已现场解释需量核定规则。",
        "客户希望调整生产班次、错开高峰,咨询峰谷电价时段划分。",
        "客户关注市场化交易和代理购电价格,希望比较两种购电方式下的电费。",
    ],
    "solar_storage": [
        "厂房屋顶面积约{area}平方米,客户有意建设分布式光伏,希望了解并网流程。",
        "客户已请设计院做光伏可研,询问接入系统方案和并网验收要求。",
        "客户考虑配置储能,利用峰谷价差降低用电成本。",
    ],
    "energy_saving": [
        "客户对空压机系统节能改造感兴趣,建议开展一次能效诊断。",
        "能效诊断报告已交客户,空压机和余热利用节能改造潜力较大。",
        "客户计划明年实施节能改造,希望了解节能项目补贴政策。",
    ],
    "ev_charging": [
        "客户计划在厂区建设电动汽车充电站,咨询报装容量和电价政策。",
        "充电站选址已确定,客户询问充电桩接入方案和施工周期。",
    ],
}
STORY_TOPIC: dict[str, str] = {
    "reactive_power": Topic.ENERGY_EFFICIENCY,
    "reliability": Topic.SUPPLY_QUALITY,
    "capacity": Topic.CAPACITY_CHANGE,
    "tariff": Topic.TARIFF_BILL,
    "solar_storage": Topic.ENERGY_EFFICIENCY,
    "energy_saving": Topic.ENERGY_EFFICIENCY,
    "ev_charging": Topic.NEW_PROJECT,
}
# Stories told only from the notes, for accounts whose data suggests nothing else.
FREE_STORIES = ["tariff", "solar_storage", "energy_saving", "ev_charging"]
NEEDS: dict[str, list[str]] = {
    Topic.SUPPLY_QUALITY: ["电能质量测试与治理方案", "双电源改造提升供电可靠性"],
    Topic.TARIFF_BILL: ["需量核定方式优化", "峰谷用电安排建议"],
    Topic.CAPACITY_CHANGE: ["二期项目增容", "季节性暂停部分容量"],
    Topic.ENERGY_EFFICIENCY: ["空压机系统节能改造", "分布式光伏并网", "无功补偿装置加装"],
    Topic.NEW_PROJECT: ["新建基地供电方案", "充电站报装"],
    Topic.COMPLAINT: ["抢修响应改进回复"],
}
# Where demo needs end up, so that every stage has some.
STAGE_PATHS: list[list[str]] = [
    [],
    [Stage.ANALYSED],
    [Stage.ANALYSED, Stage.PROPOSED],
    [Stage.ANALYSED, Stage.PROPOSED, Stage.CONFIRMED],
    [Stage.ANALYSED, Stage.PROPOSED, Stage.DECLINED],
    [Stage.ANALYSED, Stage.PROPOSED, Stage.CONFIRMED, Stage.FULFILLED],
    [Stage.REJECTED],
    [Stage.MERGED],
]
GROUPS = ["晋能控股集团", "阳煤集团", "华润电力"]


def _users(role: Role) -> list[User]:
    return users_with_role(role)


def _note(rng: random.Random, topic: str) -> str:
    return _fill(rng, rng.choice(NOTES[topic]))


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        month=rng.randint(1, 12),
        line=rng.choice(LINES),
        n=rng.randint(10, 90),
        kw=rng.choice([400, 630, 800, 1250, 2000]),
        area=rng.choice([3000, 8000, 12000, 20000]),
    )


def _visits(
    rng: random.Random, account: KeyAccount, manager: User, today: dt.date, story: str
) -> list[Visit]:
    """A year of visits at the tier's rhythm; about half carry the account's story on."""
    interval = VISIT_INTERVAL_DAYS[account.tier]
    day = today - dt.timedelta(days=365 - rng.randint(0, interval))
    chapters = iter(STORYLINES[story])
    rows = []
    while day <= today:
        # Most visits on time, some late: the calendar shows both.
        if rng.random() < 0.85:
            topics = rng.sample(list(Topic.values), rng.choice([1, 1, 2]))
            notes = [_note(rng, t) for t in topics]
            chapter = next(chapters, None) if rng.random() < 0.6 else None
            if chapter is not None:
                notes.insert(0, _fill(rng, chapter))
                topics = list(dict.fromkeys([STORY_TOPIC[story], *topics]))
            people = "、".join(
                rng.choice(PEOPLE).format(surname=rng.choice(SURNAMES))
                for _ in range(rng.randint(1, 2))
            )
            rows.append(
                Visit(
                    key_account=account,
                    visited_on=day,
                    people_met=people,
                    topics=topics,
                    notes="".join(notes),
                    recorded_by=manager,
                )
            )
        day += dt.timedelta(days=interval + rng.randint(-7, 20))
    return Visit.objects.bulk_create(rows)


def _advance(rng: random.Random, need: Need, path: list[str], specialist: User) -> None:
    manager = need.key_account.manager
    if manager is None:
        return
    for stage in path:
        if stage == Stage.ANALYSED:
            need_screen(
                need=need, action="accept", reason="需求明确,可实施", acting_user=specialist
            )
        elif stage == Stage.REJECTED:
            need_screen(
                need=need, action="reject", reason="不属于供电业务范围", acting_user=specialist
            )
        elif stage == Stage.MERGED:
            others = (
                Need.objects.filter(key_account=need.key_account)
                .exclude(pk=need.pk)
                .exclude(stage__in=[Stage.MERGED, Stage.REJECTED])
            )
            target = others.first()
            if target is None:
                return
            need_screen(
                need=need,
                action="merge",
                reason="与已有需求重复",
                merge_into=target,
                acting_user=specialist,
            )
        else:
            outcomes: dict[str, str] = {
                Stage.PROPOSED: "",
                Stage.CONFIRMED: rng.choice(["客户同意实施", "客户确认,列入年度计划"]),
                Stage.DECLINED: rng.choice(["客户暂无预算", "客户决定自行解决"]),
                Stage.FULFILLED: "已完成,客户满意",
            }
            need_transition(need=need, to_stage=stage, outcome=outcomes[stage], acting_user=manager)


def _backdate(need: Need, start: dt.datetime, rng: random.Random) -> None:
    """Spread a demo need's dates over the weeks after its visit."""
    at = start
    changes: dict[str, Any] = {"created_at": at}
    for name in ("analysed_at", "proposed_at", "decided_at", "fulfilled_at"):
        if getattr(need, name) is not None:
            at += dt.timedelta(days=rng.randint(3, 30))
            changes[name] = min(at, timezone.now())
    changes["stage_changed_at"] = min(at, timezone.now())
    Need.objects.filter(pk=need.pk).update(**changes)


def _story(rng: random.Random, data: latent.AccountData, *, reliability: bool) -> str:
    """What the account keeps talking about: what its data shows, or a plan of its own."""
    if latent.power_factor(data) is not None:
        return "reactive_power"
    important = data.customer.importance_class in latent.DUAL_SUPPLY_CLASSES
    if reliability and rng.random() < (0.5 if important else 0.08):
        return "reliability"
    if latent.capacity_headroom(data) is not None:
        return "capacity"
    return rng.choice(FREE_STORIES)


FAULTS = ["10kV进线开关跳闸,全厂失电", "{line}所在馈线故障停电", "雷雨天气线路跳闸,保安负荷切换"]
SATISFIED = ["抢修及时,客户满意", "恢复送电较快,客户认可", "客户希望今后提前告知故障原因"]


def _fast_requests(
    rng: random.Random,
    account: KeyAccount,
    agent: User,
    today: dt.date,
    *,
    count: int,
    leave_open: bool,
) -> int:
    """Fault repairs (or an enquiry) through the fast channel over the past year, worked by
    an agent step by step, with the manager's feedback call at the end; the last one of
    ``leave_open`` accounts still waits for its call."""
    owner = account.manager
    if owner is None:
        return 0
    repair = request_type_get("fault_repair")
    enquiry = request_type_get("enquiry")
    days = sorted(rng.sample(range(3, 330), count))
    for k, back in enumerate(reversed(days)):
        at = timezone.make_aware(
            dt.datetime.combine(today - dt.timedelta(days=back), dt.time(rng.randint(7, 20)))
        )
        kind = repair if count > 1 or rng.random() < 0.6 else enquiry
        summary = _fill(rng, rng.choice(FAULTS)) if kind is repair else "咨询峰谷分时电价执行时段"
        made = fast_request_create(
            account=account, request_type=kind, summary=summary, acting_user=owner, now=at
        )
        # Dispatch, crew on site, supply restored: minutes each (the fast limits are
        # 3, 20 and 68): now and then the crew is late.
        steps = (
            [("dispatch", 3), ("on_site", rng.randint(12, 28)), ("restore", rng.randint(30, 75))]
            if kind is repair
            else []
        )
        for code, minutes in steps:
            at += dt.timedelta(minutes=minutes)
            request_step_complete(request=made, step_code=code, acting_user=agent, now=at)
        if leave_open and k == count - 1:
            continue
        at += dt.timedelta(minutes=rng.randint(5, 25))
        caller = owner if rng.random() < 0.7 else agent
        if rng.random() < 0.1:
            feedback_call_record(
                request=made, acting_user=caller, waive_reason="客户明确表示无需回访", now=at
            )
        else:
            feedback_call_record(
                request=made,
                acting_user=caller,
                satisfaction=rng.choice([5, 5, 4, 4, 3]),
                notes=rng.choice(SATISFIED),
                now=at,
            )
        made.refresh_from_db()
        if made.status == made.Status.OPEN:
            last = "follow_up" if kind is repair else "answer"
            request_step_complete(
                request=made, step_code=last, acting_user=agent, now=at + dt.timedelta(minutes=5)
            )
    return count


def _answer(rng: random.Random, need: Need, owner: User) -> None:
    """The manager raises a latent need with the customer; some answer already."""
    if rng.random() < 0.4:
        return
    need_transition(need=need, to_stage=Stage.PROPOSED, acting_user=owner)
    u = rng.random()
    if u < 0.4:
        need_transition(
            need=need, to_stage=Stage.CONFIRMED, outcome="客户同意实施", acting_user=owner
        )
    elif u < 0.6:
        need_transition(
            need=need, to_stage=Stage.DECLINED, outcome="客户暂无预算", acting_user=owner
        )


def demo_keyaccount_data(*, seed: int, stdout: TextIO) -> dict[str, int]:
    """Create the key-account demo data over the existing demo customers and logins.

    Written in Chinese, the default language: latent needs keep their rule's title and
    evidence, and messages their text, in the language they were made in."""
    with translation.override("zh-hans"):
        return _demo(seed=seed, stdout=stdout)


@transaction.atomic
def _demo(*, seed: int, stdout: TextIO) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    managers, specialists = _users(Role.KEY_ACCOUNT_MANAGER), _users(Role.BUSINESS_SPECIALIST)
    refreshed = roster_refresh(acting_user=None)
    if not managers or not specialists:
        stdout.write("No key-account manager or specialist login: roster only.\n")
        return {"accounts": refreshed.added}
    accounts = list(
        KeyAccount.objects.filter(active=True).select_related("customer").order_by("pk")
    )
    by_id = {m.pk: m for m in managers}
    for i, account in enumerate(accounts):
        manager = by_id.get(account.customer.account_manager_id or 0) or managers[i % len(managers)]
        others = [m for m in managers if m.pk != manager.pk]
        keyaccount_assign(
            account=account,
            manager=manager,
            backup_manager=rng.choice(others) if others else None,
            acting_user=None,
        )
    for group, account in zip(rng.sample(GROUPS, len(GROUPS)) * 2, accounts[:6], strict=False):
        group_assign(account=account, group_name=group, acting_user=None)
    today = timezone.localdate()
    visits = needs = latent_count = fast = 0
    chosen = rng.sample(accounts, min(MAX_ACCOUNTS, len(accounts)))
    before = latent.account_data(chosen, today=today)
    agents = _users(Role.SERVICE_AGENT)
    open_left = 0
    for n, account in enumerate(chosen):
        owner = account.manager
        if owner is None:
            continue
        story = _story(rng, before[account.pk], reliability=bool(agents))
        made = _visits(rng, account, owner, today, story)
        visits += len(made)
        if agents and (story == "reliability" or rng.random() < 0.12):
            count = 3 if story == "reliability" else 1
            leave_open = open_left < 4 and story == "reliability"
            open_left += leave_open
            fast += _fast_requests(
                rng, account, rng.choice(agents), today, count=count, leave_open=leave_open
            )
        if not made or rng.random() < 0.3:
            continue
        visit = rng.choice(made)
        topic = visit.topics[0]
        specialist = rng.choice(specialists)
        titles = rng.sample(NEEDS[topic], min(len(NEEDS[topic]), rng.choice([1, 2])))
        report = report_send(
            account=account,
            specialist=specialist,
            summary=f"{visit.visited_on:%m月%d日}走访{account.customer.name}:{visit.notes[:60]}",
            needs=titles,
            visit=visit,
            topic=topic,
            acting_user=owner,
        )
        start = timezone.make_aware(dt.datetime.combine(visit.visited_on, dt.time(16, 0)))
        for k, need in enumerate(report.needs.order_by("pk")):
            _advance(rng, need, STAGE_PATHS[(n + k) % len(STAGE_PATHS)], specialist)
            need.refresh_from_db()
            _backdate(need, start, rng)
            needs += 1
    # Latent needs from what the data now says (visits and fast-channel repairs included).
    after = latent.account_data(chosen, today=today)
    for account in chosen:
        owner = account.manager
        if owner is None:
            continue
        specialist = rng.choice(specialists)
        data = after[account.pk]
        for suggestion in latent.suggestions_for(account=account, data=data)[:2]:
            found = latent_need_add(
                account=account, rule=suggestion.rule, acting_user=specialist, data=data
            )
            latent_count += 1
            _answer(rng, found, owner)
    stdout.write(
        f"Key accounts: {len(accounts)} on the roster, {visits} visits, {needs} reported needs, "
        f"{latent_count} latent needs, {fast} fast-channel requests.\n"
    )
    return {
        "accounts": len(accounts),
        "visits": visits,
        "needs": needs,
        "latent": latent_count,
        "fast": fast,
    }
