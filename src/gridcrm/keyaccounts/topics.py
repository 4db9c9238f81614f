"""Topic mining of visit notes written in Chinese (R9: latent needs from what was said).

Notes are segmented with ``jieba`` plus a user dictionary of power-supply terms (so that
功率因数, 无功补偿, 峰谷电价 stay whole words), stop words and numbers are dropped, and
each visit becomes a set of terms. Across visits the terms are counted (in how many
visits each appears) and clustered two ways:

- into **themes** of the domain lexicon (``THEMES``) — each theme names the latent need it
  points to, so a theme that recurs over visits of one account becomes a suggestion
  with its evidence (which visits, which words);
- the remaining **recurring words** (in at least two visits) are grouped by co-occurrence:
  words that appear in mostly the same visits form one cluster (single link on the
  Jaccard similarity of their visit sets).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import jieba
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gridcrm.keyaccounts.models import Topic

# A theme recurs when it comes up in this many distinct visits within ``WINDOW_DAYS``.
RECURRING_VISITS = 2
WINDOW_DAYS = 365
# Two recurring words belong to one cluster when their visit sets overlap this much.
CLUSTER_JACCARD = 0.5

# Variants a manager may write, mapped to one term.
SYNONYMS: dict[str, str] = {
    "功率因素": "功率因数",
    "力率": "功率因数",
    "无功补偿装置": "无功补偿",
    "电容补偿": "无功补偿",
    "晃电": "电压暂降",
    "电压骤降": "电压暂降",
    "双回路": "双电源",
    "双路电源": "双电源",
    "扩容": "增容",
    "峰谷价差": "峰谷电价",
    "分时电价": "峰谷电价",
    "充电桩": "充电站",
    "分布式光伏": "光伏",
    "屋顶光伏": "光伏",
}


@dataclass(frozen=True)
class Theme:
    """A cluster of the domain lexicon and the latent need it points to."""

    code: str
    label: str | Promise
    need: str | Promise
    topic: str
    terms: frozenset[str]


THEMES: tuple[Theme, ...] = (
    Theme(
        "reactive_power",
        _("Power factor and reactive power"),
        _("Reactive power compensation"),
        Topic.ENERGY_EFFICIENCY,
        frozenset({"功率因数", "无功补偿", "无功", "力调电费", "电容器", "功率因数考核"}),
    ),
    Theme(
        "reliability",
        _("Outages and supply reliability"),
        _("Supply reliability upgrade or dual supply"),
        Topic.SUPPLY_QUALITY,
        frozenset(
            {"停电", "跳闸", "电压暂降", "停机", "双电源", "供电可靠性", "保安电源", "故障停电"}
        ),
    ),
    Theme(
        "power_quality",
        _("Power quality"),
        _("Power quality test and treatment"),
        Topic.SUPPLY_QUALITY,
        frozenset({"谐波", "电压波动", "电能质量", "三相不平衡", "闪变"}),
    ),
    Theme(
        "capacity",
        _("Capacity and new load"),
        _("Capacity increase"),
        Topic.CAPACITY_CHANGE,
        frozenset({"增容", "新增负荷", "二期", "扩建", "新上", "生产线", "变压器容量"}),
    ),
    Theme(
        "tariff",
        _("Tariffs and the bill"),
        _("Tariff and demand-charge optimisation"),
        Topic.TARIFF_BILL,
        frozenset({"峰谷电价", "基本电费", "需量", "市场化交易", "代理购电", "电费"}),
    ),
    Theme(
        "solar_storage",
        _("Solar and storage"),
        _("Distributed solar or energy storage"),
        Topic.ENERGY_EFFICIENCY,
        frozenset({"光伏", "储能", "并网", "屋顶"}),
    ),
    Theme(
        "energy_saving",
        _("Energy saving"),
        _("Energy-efficiency audit and retrofit"),
        Topic.ENERGY_EFFICIENCY,
        frozenset({"节能", "能效", "空压机", "余热", "能效诊断", "节能改造"}),
    ),
    Theme(
        "ev_charging",
        _("Electric vehicles"),
        _("Charging station connection"),
        Topic.NEW_PROJECT,
        frozenset({"充电站", "电动汽车", "充电"}),
    ),
)
THEME_BY_CODE = {t.code: t for t in THEMES}
_THEME_OF_TERM = {term: t for t in THEMES for term in t.terms}

# Words that carry no topic in a manager's notes: function words, the usual verbs of a
# visit report, and the people and places every note mentions.
STOP_WORDS = frozenset(
    """
    客户 我方 我们 他们 对方 公司 企业 厂里 单位 部门 领导 负责人 同志 现场 情况 问题 方面
    有关 相关 进行 开展 目前 近期 今年 明年 去年 上月 本月 下月 月份 期间 左右 一次 两次
    希望 表示 提出 反映 关注 询问 咨询 了解 沟通 说明 解释 介绍 建议 计划 预计 已经 已 将
    可以 需要 是否 如何 以及 并且 或者 但是 因为 所以 如果 由于 以便 为了 对于 关于 通过
    一下 一些 部分 主要 比较 非常 特别 还是 就是 这个 那个 其中 同时 之后 之前 以后 以前
    今天 昨天 最近 尽快 及时 进一步 认为 同意 承诺 记录 回复 处理 办理 提供 协助 安排
    走访 拜访 座谈 交流 会上 会谈 双方 一起 继续 重点 情况下 影响 造成 约 有意 感兴趣
    上旬 中旬 下旬 分钟 小时 万元 平方米 千瓦 原因 变化 调整 流程 文件 最新 增加 减少 查明
    """.split()
)
_WORDISH = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z]{2,}")
logging.getLogger("jieba").setLevel(logging.WARNING)


@functools.cache
def _tokenizer() -> jieba.Tokenizer:
    """One tokenizer per process with the domain terms added (loading takes about a second)."""
    tokenizer = jieba.Tokenizer()
    for term in {*_THEME_OF_TERM, *SYNONYMS, *SYNONYMS.values()}:
        tokenizer.add_word(term, freq=200_000)
    return tokenizer


@functools.lru_cache(maxsize=8192)
def _segment(text: str) -> tuple[str, ...]:
    words = []
    for raw in _tokenizer().lcut(text, HMM=True):
        word = SYNONYMS.get(raw.strip(), raw.strip())
        if word in STOP_WORDS or not _WORDISH.fullmatch(word):
            continue
        words.append(word)
    return tuple(words)


def terms(text: str) -> list[str]:
    """The topic-bearing words of a note, in order (segmented, stop words dropped)."""
    return list(_segment(text)) if text.strip() else []


class VisitLike(Protocol):
    """What topic mining reads of a visit (``models.Visit`` has these attributes)."""

    @property
    def pk(self) -> int: ...

    @property
    def visited_on(self) -> dt.date: ...

    @property
    def notes(self) -> str: ...


@dataclass(frozen=True)
class VisitRef:
    id: int
    visited_on: dt.date


@dataclass
class ThemeFound:
    """A theme mentioned in some visits, with the visits and the words that showed it."""

    theme: Theme
    visits: list[VisitRef] = field(default_factory=list)
    words: Counter[str] = field(default_factory=Counter)

    @property
    def recurring(self) -> bool:
        return len(self.visits) >= RECURRING_VISITS

    @property
    def words_text(self) -> str:
        return "、".join(f"{w}×{n}" for w, n in self.words.most_common())


@dataclass(frozen=True)
class WordCluster:
    """Recurring words outside the lexicon that come up in mostly the same visits."""

    words: tuple[str, ...]
    visits: int


@dataclass(frozen=True)
class TopicSummary:
    visits: int
    themes: list[ThemeFound]
    """Themes found, most visits first."""
    words: list[tuple[str, int]]
    """Words by the number of visits they appear in (at least two), most first."""
    clusters: list[WordCluster]
    """Recurring words outside the themes, clustered by co-occurrence."""

    @property
    def recurring_themes(self) -> list[ThemeFound]:
        return [t for t in self.themes if t.recurring]


def _clusters(visit_sets: dict[str, set[int]]) -> list[WordCluster]:
    words = sorted(visit_sets, key=lambda w: (-len(visit_sets[w]), w))
    parent = {w: w for w in words}

    def root(w: str) -> str:
        while parent[w] != w:
            parent[w] = parent[parent[w]]
            w = parent[w]
        return w

    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            sa, sb = visit_sets[a], visit_sets[b]
            if len(sa & sb) / len(sa | sb) >= CLUSTER_JACCARD:
                parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(root(w), []).append(w)
    found = [
        WordCluster(tuple(ws), len(set().union(*(visit_sets[w] for w in ws))))
        for ws in groups.values()
    ]
    return sorted(found, key=lambda c: (-c.visits, c.words))


def mine(visits: Iterable[VisitLike], *, top: int = 30) -> TopicSummary:
    """Count and cluster the topics of some visits (one account's, or a portfolio's)."""
    found: dict[str, ThemeFound] = {}
    visit_sets: dict[str, set[int]] = {}
    n = 0
    for visit in visits:
        n += 1
        words = terms(visit.notes)
        seen_themes: set[str] = set()
        for word in words:
            visit_sets.setdefault(word, set()).add(visit.pk)
            theme = _THEME_OF_TERM.get(word)
            if theme is None:
                continue
            entry = found.setdefault(theme.code, ThemeFound(theme))
            entry.words[word] += 1
            if theme.code not in seen_themes:
                entry.visits.append(VisitRef(visit.pk, visit.visited_on))
                seen_themes.add(theme.code)
    themes = sorted(found.values(), key=lambda t: (-len(t.visits), t.theme.code))
    for entry in themes:
        entry.visits.sort(key=lambda v: (v.visited_on, v.id))
    recurring = {w: s for w, s in visit_sets.items() if len(s) >= RECURRING_VISITS}
    ranked = sorted(recurring.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    outside = {w: s for w, s in ranked if w not in _THEME_OF_TERM}
    return TopicSummary(
        visits=n,
        themes=themes,
        words=[(w, len(s)) for w, s in ranked],
        clusters=_clusters(outside),
    )


def recent(visits: Sequence[VisitLike], *, today: dt.date) -> list[VisitLike]:
    """The visits within the mining window before ``today``."""
    since = today - dt.timedelta(days=WINDOW_DAYS)
    return [v for v in visits if v.visited_on >= since]
