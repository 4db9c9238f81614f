"""A synthetic city supply company: 国网阳泉供电公司 in Yangquan, Shanxi.

Yangquan (阳泉) is a coal town: anthracite mines, coking, aluminium, steel and,
above all, refractories. The demo reproduces that shape: five districts and
counties, ten supply stations with their own segment mix, households named
like people and organisations named like the firms, hospitals and water works
of the city, and capacities, voltages and tariffs that fit each other.

Each customer carries what the archive asks of it: every tier-1 field (valid
resident ID numbers and unified social credit codes, tariff structure, billing
method, time-of-use) and most tier-2 and tier-3 fields, some left blank as in a
real archive; the derived fields (segment, completeness, phone_last4, mapping
rules) are computed by the archive's own ``Deriver``, as an import would.

Everything except :func:`write_demo` is a pure function of a
``random.Random``: the same seed yields the same company, account for account.
Rows are produced lazily so a million customers never sit in memory at once,
and no Faker object is called per row (it is far too slow at that scale):
the name pools are read once from Faker's ``zh_CN`` provider data.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, ClassVar, TypeVar, cast

from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from gridcrm.archive import registry
from gridcrm.archive.choices import (
    BillingMethod,
    CertificateType,
    ContactChannel,
    ImportanceClass,
    MeterKind,
    PaymentMethod,
    ProductionShifts,
    Segment,
    TariffCategory,
    TariffStructure,
    VoltageLevel,
)
from gridcrm.archive.imports import Deriver
from gridcrm.archive.models import Customer
from gridcrm.archive.services import published_rules
from gridcrm.archive.validators import uscc_check_char
from gridcrm.users.models import Region, RegionLevel, User
from gridcrm.users.roles import Role
from gridcrm.users.services import region_create, user_create

DEMO_PASSWORD = "gridcrm-demo"  # noqa: S105 - a published demo password, not a secret
COMPANY_CODE = "YQ"
COMPANY_NAME = "国网阳泉供电公司"
MAX_CUSTOMERS = 1_000_000
BATCH_SIZE = 5000
# Contracted capacity from which a customer counts as a key account (大客户).
KEY_ACCOUNT_KVA = 1000
# 大工业 applies from 315 kVA of transformer capacity.
LARGE_INDUSTRY_KVA = 315

T = TypeVar("T")


# random.Random's choice(), randint() and choices() spend microseconds on argument
# checks; at a million rows these one-multiplication forms double the speed.
def _one(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def _int(rng: random.Random, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``, both included."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, items: Sequence[T], cum: Sequence[float]) -> T:
    """One of ``items`` by cumulative weights ``cum``."""
    last = len(cum) - 1
    return items[bisect.bisect(cum, rng.random() * cum[last], 0, last)]


# --------------------------------------------------------------------------- places


@dataclass(frozen=True, slots=True)
class Station:
    """A supply station (供电所) and what its customers look like."""

    code: str
    name: str
    index: int  # 1–10: the first two digits of its account numbers
    district_code: str
    district: str  # as written in addresses: 城区, 平定县 …
    flavour: str  # urban | mining | suburban | county: which industries are there
    share: float  # of all customers of the company
    # Percentages of residential, commercial, industrial, public utility, other.
    mix: tuple[float, float, float, float, float]
    streets: tuple[str, ...]
    street_town: str = ""  # the town a county seat's streets belong to, e.g. 冠山镇
    towns: tuple[str, ...] = ()
    rural_share: float = 0.0  # of customers living in villages rather than on streets

    @property
    def city(self) -> str:
        """How local organisations start their names: 阳泉市 in the city, else the county."""
        return self.district if self.district.endswith("县") else "阳泉市"

    @property
    def area(self) -> str:
        """The administrative area: 阳泉市城区, 盂县 …"""
        return self.district if self.district.endswith("县") else f"阳泉市{self.district}"

    @property
    def short(self) -> str:
        """The short place name banks use for their branches: 阳泉, 平定, 盂县."""
        return {"平定县": "平定", "盂县": "盂县"}.get(self.district, "阳泉")


DISTRICTS: tuple[tuple[str, str], ...] = (
    ("YQ01", "城区"),
    ("YQ02", "矿区"),
    ("YQ03", "郊区"),
    ("YQ04", "平定县"),
    ("YQ05", "盂县"),
)

STATIONS: tuple[Station, ...] = (
    Station(
        code="YQ0101",
        name="北大街供电所",
        index=1,
        district_code="YQ01",
        district="城区",
        flavour="urban",
        share=0.19,
        mix=(85.6, 13.0, 0.3, 0.9, 0.2),
        streets=("北大街", "桃北西街", "桃北中街", "桃北东街", "德胜街", "北陵街", "新建路"),
    ),
    Station(
        code="YQ0102",
        name="南山路供电所",
        index=2,
        district_code="YQ01",
        district="城区",
        flavour="urban",
        share=0.17,
        mix=(86.1, 12.5, 0.3, 0.9, 0.2),
        streets=("南山路", "南大街", "桃林沟路", "下站街", "上章召街", "文化街", "红旗路"),
    ),
    Station(
        code="YQ0201",
        name="赛鱼供电所",
        index=3,
        district_code="YQ02",
        district="矿区",
        flavour="mining",
        share=0.11,
        mix=(88.3, 7.8, 2.7, 0.7, 0.5),
        streets=("赛鱼路", "赛鱼街", "桥头街", "蔡洼路", "沙坪街", "矿建路", "北大西街"),
    ),
    Station(
        code="YQ0202",
        name="平潭街供电所",
        index=4,
        district_code="YQ02",
        district="矿区",
        flavour="mining",
        share=0.10,
        mix=(88.4, 7.6, 2.8, 0.7, 0.5),
        streets=("平潭街", "平坦街", "贵石沟路", "红土岩路", "燕龛路", "跃进街"),
    ),
    Station(
        code="YQ0301",
        name="荫营供电所",
        index=5,
        district_code="YQ03",
        district="郊区",
        flavour="suburban",
        share=0.08,
        mix=(89.3, 6.3, 2.4, 0.6, 1.4),
        streets=("荫营街", "荫营北路", "河底街"),
        towns=("荫营镇", "河底镇", "旧街乡", "杨家庄乡"),
        rural_share=0.6,
    ),
    Station(
        code="YQ0302",
        name="义井供电所",
        index=6,
        district_code="YQ03",
        district="郊区",
        flavour="suburban",
        share=0.08,
        mix=(89.1, 7.3, 2.2, 0.6, 0.8),
        streets=("义井街", "义白路", "大阳泉路", "平坦路"),
        towns=("义井镇", "平坦镇", "李家庄乡", "西南舁乡"),
        rural_share=0.5,
    ),
    Station(
        code="YQ0401",
        name="冠山供电所",
        index=7,
        district_code="YQ04",
        district="平定县",
        flavour="county",
        share=0.08,
        mix=(89.4, 7.8, 1.2, 0.6, 1.0),
        streets=("新华街", "建设路", "东关街", "西关街", "南关街", "上城街"),
        street_town="冠山镇",
        towns=("冠山镇", "冶西镇", "张庄镇", "锁簧镇"),
        rural_share=0.45,
    ),
    Station(
        code="YQ0402",
        name="娘子关供电所",
        index=8,
        district_code="YQ04",
        district="平定县",
        flavour="county",
        share=0.05,
        mix=(90.2, 4.2, 2.0, 0.6, 3.0),
        streets=("娘子关街", "巨城路"),
        street_town="娘子关镇",
        towns=("娘子关镇", "巨城镇", "岔口乡", "柏井镇", "东回镇", "石门口乡"),
        rural_share=0.9,
    ),
    Station(
        code="YQ0501",
        name="秀水供电所",
        index=9,
        district_code="YQ05",
        district="盂县",
        flavour="county",
        share=0.09,
        mix=(89.4, 7.8, 1.3, 0.6, 0.9),
        streets=("秀水东街", "秀水西街", "文化路", "建设街", "府前街", "滨河路"),
        street_town="秀水镇",
        towns=("秀水镇", "南娄镇", "路家村镇", "孙家庄镇", "牛村镇"),
        rural_share=0.45,
    ),
    Station(
        code="YQ0502",
        name="西烟供电所",
        index=10,
        district_code="YQ05",
        district="盂县",
        flavour="county",
        share=0.05,
        mix=(90.4, 3.4, 2.4, 0.6, 3.2),
        streets=("西烟街",),
        street_town="西烟镇",
        towns=("西烟镇", "上社镇", "下社乡", "梁家寨乡", "仙人乡", "北下庄乡", "苌池镇"),
        rural_share=0.9,
    ),
)

_SEGMENT_ORDER = (
    Segment.RESIDENTIAL,
    Segment.COMMERCIAL,
    Segment.INDUSTRIAL,
    Segment.PUBLIC_UTILITY,
    Segment.OTHER,
)

_VILLAGES = (
    "东庄", "西庄", "南庄", "北庄", "前庄", "后庄", "上庄", "下庄", "东沟", "西沟", "南沟",
    "北沟", "王家庄", "李家庄", "张家庄", "赵家庄", "刘家庄", "郭家庄", "马家峪", "白家峪",
    "柳树沟", "杏树沟", "桃园", "岭上", "坡头", "窑上", "大石门", "小石门", "红岩", "青石",
    "庙沟", "龙门", "石板", "槐树铺", "土岭", "西峪", "东峪", "河湾", "峪口", "新村",
)  # fmt: skip

# --------------------------------------------------------------------------- kinds of customer

# Typical distribution-transformer ratings (kVA), the steps contracted capacity comes in.
_RATINGS = (
    10, 15, 20, 30, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000,
    1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000, 20000, 25000,
    31500, 40000, 50000, 63000, 80000, 100000,
)  # fmt: skip


def _ratings(low: int, high: int) -> tuple[int, ...]:
    return tuple(r for r in _RATINGS if low <= r <= high)


@dataclass(frozen=True, slots=True)
class Supply:
    """One way a kind of customer is connected: a voltage and the capacities seen there."""

    weight: float
    voltage: VoltageLevel
    kva: tuple[int, ...]


V220, V380, KV10, KV35, KV110 = (
    VoltageLevel.V220,
    VoltageLevel.V380,
    VoltageLevel.KV10,
    VoltageLevel.KV35,
    VoltageLevel.KV110,
)


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of customer: its industry, how it is named and how it is supplied.

    ``names`` are ``str.format`` templates over the fields of :class:`_Fields`;
    ``rural_names`` replace them for customers out in the villages.
    ``weights`` are per station flavour (urban, mining, suburban, county).
    """

    key: str
    segment: Segment
    industry: str
    weights: tuple[float, float, float, float]
    names: tuple[str, ...]
    supplies: tuple[Supply, ...]
    rural_names: tuple[str, ...] = ()
    # Important customers (重要电力用户, GB/T 29328) get a key-account manager
    # whatever their size; ``importance`` is their class.
    importance: ImportanceClass = ImportanceClass.NONE
    # Water works are billed as large industry from 315 kVA, like factories.
    large_industry_ok: bool = False
    # The first two characters of the unified social credit code: who registered it
    # (91 enterprise, 92 sole trader, 93 farmers' co-operative, 11 government body,
    # 12 public institution, 54 residents' committee, N2 village collective).
    uscc_type: str = "91"
    # Share of them that trade as a sole trader (个体工商户) when the name allows it.
    sole_trader_share: float = 0.0
    shifts: ProductionShifts | None = None

    @property
    def important(self) -> bool:
        return self.importance != ImportanceClass.NONE


_FLAVOURS = ("urban", "mining", "suburban", "county")


_HOUSEHOLD = Kind(
    key="household",
    segment=Segment.RESIDENTIAL,
    industry="",
    weights=(1, 1, 1, 1),
    names=(),
    # A few households have a three-phase supply (bigger houses, heat pumps).
    supplies=(Supply(97, V220, (4, 6, 6, 8, 8, 10, 12)), Supply(3, V380, (12, 16, 20))),
)

KINDS: tuple[Kind, ...] = (
    _HOUSEHOLD,
    # ------------------------------------------------------------------ commercial
    Kind(
        "restaurant", Segment.COMMERCIAL, "H6210", (25, 22, 22, 22),
        ("{word}饭店", "{surname}记{food}", "{city}{word}餐饮有限公司", "{word}{food}"),
        (Supply(95, V380, _ratings(10, 100)), Supply(5, KV10, _ratings(250, 630))),
        sole_trader_share=0.7,
    ),
    Kind(
        "shop", Segment.COMMERCIAL, "F5212", (25, 25, 25, 26),
        ("{word}超市", "{word}便利店", "{city}{word}超市有限公司", "{word}生鲜超市{street}店"),
        (Supply(92, V380, _ratings(10, 160)), Supply(8, KV10, _ratings(315, 1250))),
        sole_trader_share=0.6,
    ),
    Kind(
        "department_store", Segment.COMMERCIAL, "F5211", (3, 1, 1, 1.5),
        ("{city}{word}百货有限公司", "{city}{word}购物中心", "{city}{word}商厦"),
        (Supply(25, V380, _ratings(100, 200)), Supply(75, KV10, _ratings(630, 2000))),
    ),
    Kind(
        "fuel_station", Segment.COMMERCIAL, "F5265", (2, 3, 4, 4),
        (
            "中国石化销售股份有限公司山西阳泉石油分公司{place}加油站",
            "中国石油天然气股份有限公司山西阳泉销售分公司{place}加油站",
            "{city}{word}加油站",
        ),
        (Supply(100, V380, _ratings(30, 100)),),
    ),
    Kind(
        "hotel", Segment.COMMERCIAL, "H6110", (7, 5, 4, 5),
        (
            "{city}{word}大酒店", "{city}{word}宾馆", "{word}快捷酒店{street}店",
            "{city}{word}商务酒店有限公司",
        ),
        (Supply(55, V380, _ratings(50, 200)), Supply(45, KV10, _ratings(315, 1600))),
        rural_names=("{town}{word}宾馆", "{word}农家乐"),
        sole_trader_share=0.2,
    ),
    Kind(
        "bank", Segment.COMMERCIAL, "J6621", (6, 4, 3, 4),
        ("{bank}{short}{place}支行", "{bank}{short}{place}分理处"),
        (Supply(100, V380, _ratings(30, 100)),),
    ),
    Kind(
        "base_station", Segment.COMMERCIAL, "I6311", (7, 8, 9, 10),
        (
            "中国移动通信集团山西有限公司阳泉分公司{place}基站",
            "中国联合网络通信有限公司阳泉市分公司{place}基站",
            "中国电信股份有限公司阳泉分公司{place}基站",
            "中国铁塔股份有限公司阳泉市分公司{place}{n}号基站",
        ),
        (Supply(100, V380, (10, 15, 20, 30)),),
    ),
    Kind(
        "property", Segment.COMMERCIAL, "K7020", (8, 5, 4, 3),
        ("{city}{word}物业管理有限公司", "{city}{word}物业服务有限公司{street}小区"),
        (Supply(40, V380, _ratings(50, 200)), Supply(60, KV10, _ratings(315, 1250))),
    ),
    Kind(
        "car_repair", Segment.COMMERCIAL, "O8111", (6, 7, 8, 7),
        ("{city}{word}汽车修理厂", "{word}汽车维修服务中心", "{word}汽车美容养护中心"),
        (Supply(100, V380, _ratings(20, 100)),),
        sole_trader_share=0.5,
    ),
    Kind(
        "domestic_services", Segment.COMMERCIAL, "O8011", (3, 2, 2, 2),
        ("{word}家政服务中心", "{city}{word}家政服务有限公司"),
        (Supply(100, V380, (10, 15, 20, 30)),),
        sole_trader_share=0.5,
    ),
    Kind(
        "investment", Segment.COMMERCIAL, "L7212", (2, 1, 1, 1),
        ("{city}{word}投资有限公司", "{city}{word}资产管理有限公司"),
        (Supply(100, V380, _ratings(20, 80)),),
    ),
    Kind(
        "engineering", Segment.COMMERCIAL, "M7320", (1, 1, 1, 0.5),
        ("{city}{word}工程技术有限公司", "山西{word}检测技术有限公司"),
        (Supply(100, V380, _ratings(30, 160)),),
    ),
    Kind(
        "sports", Segment.COMMERCIAL, "R8910", (0.6, 0.4, 0.3, 0.4),
        ("{area}全民健身中心", "{city}{word}体育馆", "{word}羽毛球馆"),
        (Supply(60, V380, _ratings(100, 200)), Supply(40, KV10, _ratings(315, 1000))),
    ),
    Kind(
        "amusement", Segment.COMMERCIAL, "R9020", (0.3, 0.1, 0.3, 0.2),
        ("{city}{word}游乐园", "{city}{word}欢乐谷游乐场"),
        (Supply(50, V380, _ratings(100, 200)), Supply(50, KV10, _ratings(315, 800))),
    ),
    Kind(
        "grain_store", Segment.COMMERCIAL, "G5951", (0.2, 0.2, 0.6, 0.8),
        ("{city}国家粮食储备库", "{city}{word}粮油储备有限公司"),
        (Supply(100, V380, _ratings(50, 200)),),
    ),
    Kind(
        # Yangquan hosts large cloud data centres next to its cheap coal power.
        "data_centre", Segment.COMMERCIAL, "I6450", (0.3, 0.1, 0.4, 0.1),
        ("{city}{word}云计算数据中心", "阳泉{word}大数据科技有限公司"),
        (Supply(100, KV10, _ratings(1000, 2000)),),
        importance=ImportanceClass.CLASS_II,
    ),
    # ------------------------------------------------------------------ industrial
    Kind(
        "coal_mine", Segment.INDUSTRIAL, "B0610", (0.5, 25, 20, 25),
        ("{city}{word}煤业有限公司", "{city}{word}煤矿", "山西{word}煤业集团有限公司"),
        (Supply(75, KV10, _ratings(1600, 12500)), Supply(25, KV35, _ratings(5000, 40000))),
        rural_names=("{city}{town}{word}煤矿", "{city}{word}煤业有限公司"),
        importance=ImportanceClass.CLASS_I,
        shifts=ProductionShifts.CONTINUOUS,
    ),
    Kind(
        "iron_ore", Segment.INDUSTRIAL, "B0810", (0, 3, 4, 6),
        ("{city}{word}铁矿", "{city}{word}矿业有限公司"),
        (Supply(100, KV10, _ratings(630, 3150)),),
        shifts=ProductionShifts.THREE,
    ),
    Kind(
        "coking", Segment.INDUSTRIAL, "C2520", (0, 5, 5, 6),
        ("{city}{word}焦化有限公司", "山西{word}焦化集团有限公司"),
        (Supply(80, KV10, _ratings(2500, 10000)), Supply(20, KV35, _ratings(10000, 31500))),
        importance=ImportanceClass.CLASS_II,
        shifts=ProductionShifts.CONTINUOUS,
    ),
    Kind(
        "refractory", Segment.INDUSTRIAL, "C3089", (10, 18, 25, 25),
        ("{city}{word}耐火材料有限公司", "{city}{word}耐材有限公司", "{city}{word}耐火材料厂"),
        (
            Supply(25, V380, _ratings(100, 250)),
            Supply(65, KV10, _ratings(315, 2500)),
            Supply(10, KV10, _ratings(3150, 6300)),
        ),
        shifts=ProductionShifts.THREE,
    ),
    Kind(
        "cement", Segment.INDUSTRIAL, "C3011", (1, 3, 6, 8),
        ("{city}{word}水泥有限公司", "山西{word}水泥集团有限公司"),
        (Supply(85, KV10, _ratings(1250, 6300)), Supply(15, KV35, _ratings(8000, 20000))),
        shifts=ProductionShifts.CONTINUOUS,
    ),
    Kind(
        "ironworks", Segment.INDUSTRIAL, "C3110", (0, 1, 1.5, 1),
        ("{city}{word}钢铁有限公司", "山西{word}钢铁集团有限公司"),
        (Supply(40, KV110, _ratings(31500, 100000)), Supply(60, KV35, _ratings(10000, 40000))),
        importance=ImportanceClass.CLASS_II,
        shifts=ProductionShifts.CONTINUOUS,
    ),
    Kind(
        "steelworks", Segment.INDUSTRIAL, "C3120", (0, 1, 1, 0.5),
        ("{city}{word}特钢有限公司", "{city}{word}钢铁有限公司"),
        (Supply(50, KV110, _ratings(31500, 100000)), Supply(50, KV35, _ratings(10000, 40000))),
        importance=ImportanceClass.CLASS_II,
        shifts=ProductionShifts.CONTINUOUS,
    ),
    Kind(
        "rolling_mill", Segment.INDUSTRIAL, "C3130", (1, 3, 3, 2),
        ("{city}{word}轧钢有限公司", "{city}{word}钢材加工有限公司"),
        (Supply(80, KV10, _ratings(1000, 6300)), Supply(20, V380, _ratings(100, 250))),
        shifts=ProductionShifts.THREE,
    ),
    Kind(
        "aluminium", Segment.INDUSTRIAL, "C3216", (0, 1, 1.5, 1.5),
        ("{city}{word}铝业有限公司", "山西{word}铝业集团有限公司", "{city}{word}氧化铝有限公司"),
        (
            Supply(40, KV110, _ratings(31500, 100000)),
            Supply(30, KV35, _ratings(5000, 40000)),
            Supply(30, KV10, _ratings(2000, 10000)),
        ),
        importance=ImportanceClass.CLASS_I,
        shifts=ProductionShifts.CONTINUOUS,
    ),
    Kind(
        "chemicals", Segment.INDUSTRIAL, "C2614", (1, 3, 4, 4),
        ("{city}{word}化工有限公司", "山西{word}化工集团有限公司"),
        (Supply(100, KV10, _ratings(500, 5000)),),
        importance=ImportanceClass.CLASS_II,
        shifts=ProductionShifts.CONTINUOUS,
    ),
    Kind(
        "metal_structures", Segment.INDUSTRIAL, "C3311", (12, 8, 10, 6),
        ("{city}{word}钢结构有限公司", "{city}{word}机械制造有限公司"),
        (Supply(45, V380, _ratings(50, 250)), Supply(55, KV10, _ratings(315, 2000))),
        shifts=ProductionShifts.TWO,
    ),
    Kind(
        "auto_parts", Segment.INDUSTRIAL, "C3670", (6, 3, 5, 3),
        ("{city}{word}汽车配件有限公司", "{city}{word}汽车零部件制造有限公司"),
        (Supply(45, V380, _ratings(50, 250)), Supply(55, KV10, _ratings(315, 2000))),
        shifts=ProductionShifts.TWO,
    ),
    Kind(
        # Explosion-proof motors for the mines are a local trade.
        "motors", Segment.INDUSTRIAL, "C3812", (5, 6, 4, 2),
        ("{city}{word}电机有限公司", "{city}{word}防爆电机有限公司"),
        (Supply(45, V380, _ratings(50, 250)), Supply(55, KV10, _ratings(315, 2000))),
        shifts=ProductionShifts.TWO,
    ),
    Kind(
        "distillery", Segment.INDUSTRIAL, "C1511", (1, 0.5, 1, 3),
        ("{city}{word}酒业有限公司", "{city}{word}酒厂"),
        (Supply(60, V380, _ratings(100, 250)), Supply(40, KV10, _ratings(315, 1000))),
        shifts=ProductionShifts.TWO,
    ),
    Kind(
        # GB/T 4754 puts construction (E) with industry, and so does the segment rule.
        "builder", Segment.INDUSTRIAL, "E4710", (8, 3, 4, 3),
        ("{city}{word}建筑工程有限公司", "{city}{word}建设集团有限公司"),
        (Supply(100, V380, _ratings(50, 200)),),
        shifts=ProductionShifts.ONE,
    ),
    Kind(
        # Building sites draw temporary power (临时用电).
        "construction_site", Segment.INDUSTRIAL, "E4710", (12, 4, 5, 3),
        (
            "{city}{word}建筑工程有限公司（施工临时用电）",
            "{city}{word}房地产开发有限公司（临时用电）",
        ),
        (Supply(90, V380, _ratings(50, 250)), Supply(10, KV10, _ratings(315, 630))),
        shifts=ProductionShifts.ONE,
    ),
    # ------------------------------------------------------------------ public utility
    Kind(
        "hospital", Segment.PUBLIC_UTILITY, "Q8411", (8, 7, 5, 6),
        ("{city}第{ord}人民医院", "{city}人民医院", "{city}中医医院", "{city}妇幼保健院"),
        (Supply(100, KV10, _ratings(1600, 6300)),),
        importance=ImportanceClass.CLASS_I,
        uscc_type="12",
    ),
    Kind(
        "health_centre", Segment.PUBLIC_UTILITY, "Q8411", (6, 6, 8, 10),
        ("{street}社区卫生服务中心",),
        (Supply(100, V380, _ratings(30, 100)),),
        rural_names=("{town}卫生院", "{town}{village}村卫生室"),
        uscc_type="12",
    ),
    Kind(
        "school", Segment.PUBLIC_UTILITY, "P8331", (14, 12, 12, 14),
        ("{city}第{ord}中学校", "{city}{word}中学", "{street}中学"),
        (Supply(100, KV10, _ratings(400, 1250)),),
        rural_names=("{city}{town}中学", "{city}第{ord}中学校"),
        uscc_type="12",
    ),
    Kind(
        "university", Segment.PUBLIC_UTILITY, "P8341", (3, 0.5, 1, 0),
        ("阳泉职业技术学院", "山西工程科技职业大学", "阳泉师范高等专科学校"),
        (Supply(100, KV10, _ratings(1250, 4000)),),
        importance=ImportanceClass.CLASS_II,
        uscc_type="12",
    ),
    Kind(
        "water_works", Segment.PUBLIC_UTILITY, "D4610", (8, 8, 8, 8),
        (
            "阳泉市自来水有限责任公司{word}水厂", "{city}自来水公司{place}加压站",
            "{city}供水有限公司",
        ),
        (Supply(100, KV10, _ratings(250, 2500)),),
        rural_names=("{city}{town}供水站", "{city}供水有限公司"),
        importance=ImportanceClass.CLASS_II,
        large_industry_ok=True,
    ),
    Kind(
        "sewage", Segment.PUBLIC_UTILITY, "D4620", (4, 3, 4, 4),
        ("{city}{word}污水处理厂", "{city}污水处理有限公司"),
        (Supply(100, KV10, _ratings(630, 2500)),),
        importance=ImportanceClass.CLASS_II,
    ),
    Kind(
        "heating", Segment.PUBLIC_UTILITY, "D4430", (9, 8, 6, 6),
        ("阳泉市热力有限责任公司{street}换热站", "{city}{word}供热有限公司"),
        (Supply(60, V380, (100, 125, 160, 200)), Supply(40, KV10, _ratings(315, 1250))),
        rural_names=("{city}{word}供热有限公司",),
    ),
    Kind(
        "street_lighting", Segment.PUBLIC_UTILITY, "N7810", (22, 20, 18, 18),
        ("{area}路灯管理所", "{area}路灯管理所（{street}）"),
        (Supply(100, V380, _ratings(20, 100)),),
        rural_names=("{town}人民政府（路灯）", "{area}路灯管理所"),
        uscc_type="12",
    ),
    Kind(
        "sanitation", Segment.PUBLIC_UTILITY, "N7820", (4, 4, 4, 3),
        ("{area}环境卫生管理站", "{area}{street}垃圾转运站"),
        (Supply(100, V380, _ratings(30, 160)),),
        rural_names=("{town}垃圾转运站",),
        uscc_type="12",
    ),
    Kind(
        "government", Segment.PUBLIC_UTILITY, "S9221", (10, 8, 8, 10),
        ("{area}人民政府", "{city}{bureau}", "{area}{bureau}", "{street}街道办事处"),
        (Supply(60, V380, _ratings(50, 200)), Supply(40, KV10, _ratings(315, 1000))),
        rural_names=("{town}人民政府", "{area}{bureau}"),
        uscc_type="11",
    ),
    Kind(
        "community", Segment.PUBLIC_UTILITY, "S9224", (8, 8, 8, 8),
        ("{street}社区居民委员会",),
        (Supply(100, V380, (10, 15, 20, 30)),),
        rural_names=("{town}{village}村民委员会",),
        uscc_type="54",
    ),
    Kind(
        # Electric buses charge at the depots.
        "public_transport", Segment.PUBLIC_UTILITY, "G5411", (2, 1, 0.5, 0.5),
        ("阳泉市公共交通有限公司{word}停车场", "阳泉市公共交通有限公司{street}充电站"),
        (Supply(100, KV10, _ratings(630, 2500)),),
    ),
    # ------------------------------------------------------------------ other (mostly farming)
    Kind(
        "irrigation", Segment.OTHER, "A0112", (2, 20, 30, 30),
        ("{city}{word}农业开发有限公司",),
        (Supply(100, V380, _ratings(10, 100)),),
        rural_names=("{town}{village}村农田灌溉机井", "{town}{village}村提水灌溉站"),
        uscc_type="N2",
    ),
    Kind(
        "vegetables", Segment.OTHER, "A0141", (3, 20, 25, 25),
        ("{city}{word}蔬菜种植专业合作社",),
        (Supply(100, V380, _ratings(10, 80)),),
        rural_names=("{village}村蔬菜种植专业合作社", "{person}蔬菜大棚"),
        uscc_type="93",
        sole_trader_share=0.3,
    ),
    Kind(
        "cattle", Segment.OTHER, "A0311", (0, 8, 12, 15),
        ("{city}{word}养殖有限公司",),
        (Supply(100, V380, _ratings(30, 100)),),
        rural_names=("{village}村{word}肉牛养殖场", "{person}养牛场"),
        sole_trader_share=0.4,
    ),
    Kind(
        "pigs", Segment.OTHER, "A0313", (0, 10, 15, 18),
        ("{city}{word}生猪养殖专业合作社",),
        (Supply(100, V380, _ratings(30, 100)),),
        rural_names=("{person}养猪场", "{town}{word}生猪养殖专业合作社"),
        uscc_type="93",
        sole_trader_share=0.4,
    ),
)  # fmt: skip

# --------------------------------------------------------------------------- word pools

_TRADE_WORDS = (
    "晋东", "太行", "冀晋", "桃河", "狮脑", "冠山", "藏山", "娘子关", "鑫源", "宏达", "兴旺",
    "华盛", "恒泰", "东升", "瑞丰", "金阳", "泰和", "广源", "永固", "龙泉", "隆盛", "晋阳",
    "新兴", "昌盛", "三元", "利民", "众诚", "宏远", "正大", "长城", "天元", "汇丰", "鸿运",
    "国泰", "安泰", "宝鑫", "德润", "富华", "嘉禾", "锦程", "凯达", "联兴", "明达", "荣发",
    "盛世", "通达", "万隆", "祥和", "亿通", "振兴", "中泰", "华阳", "阳光", "金鼎", "晋缘",
)  # fmt: skip
# Faker's zh_CN company prefixes that read like software or trading brands, not local firms.
_FAKER_WORDS_SKIPPED = frozenset(
    {"快讯", "联软", "七喜", "四通", "趋势", "恩悌", "迪摩", "富罳", "精芯"}
)
_FOODS = (
    "刀削面馆", "饺子馆", "火锅店", "烧烤店", "面馆", "小吃店", "酒楼", "快餐店", "砂锅居",
    "涮肉馆", "包子铺", "拉面馆",
)  # fmt: skip
_BANKS = (
    "中国工商银行股份有限公司",
    "中国农业银行股份有限公司",
    "中国银行股份有限公司",
    "中国建设银行股份有限公司",
    "交通银行股份有限公司",
    "中国邮政储蓄银行股份有限公司",
    "晋商银行股份有限公司",
    "山西阳泉农村商业银行股份有限公司",
)
_BUREAUS = (
    "公安局", "财政局", "教育局", "民政局", "人力资源和社会保障局", "自然资源局",
    "住房和城乡建设局", "交通运输局", "水务局", "农业农村局", "市场监督管理局", "税务局",
    "应急管理局", "卫生健康委员会",
)  # fmt: skip
_ORDINALS = ("一", "二", "三", "四", "五")
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150",
    "151", "152", "153", "155", "156", "157", "158", "159", "166", "172", "173", "175",
    "176", "177", "178", "180", "181", "182", "183", "184", "185", "186", "187", "188",
    "189", "191", "193", "195", "196", "197", "198", "199",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Pools:
    surnames: tuple[str, ...]
    surname_cum: tuple[float, ...]
    given_male: tuple[str, ...]
    given_female: tuple[str, ...]
    given_chars: tuple[str, ...]
    words: tuple[str, ...]


@cache
def _pools() -> _Pools:
    """Name pools from Faker's zh_CN data, read once (Faker itself is never called)."""
    from faker.providers.company.zh_CN import Provider as CompanyProvider
    from faker.providers.person.zh_CN import Provider as PersonProvider

    surnames = tuple(PersonProvider.last_names)
    weights = itertools.accumulate(float(PersonProvider.last_names[s]) for s in surnames)
    male = tuple(dict.fromkeys(PersonProvider.first_names_male))
    female = tuple(dict.fromkeys(PersonProvider.first_names_female))
    chars = tuple(dict.fromkeys(n for n in (*male, *female) if len(n) == 1))
    faker_words = (
        p
        for p in dict.fromkeys(CompanyProvider.company_prefixes)
        if len(p) == 2 and p not in _FAKER_WORDS_SKIPPED
    )
    words = tuple(dict.fromkeys((*_TRADE_WORDS, *faker_words)))
    return _Pools(surnames, tuple(weights), male, female, chars, words)


def person_name(rng: random.Random) -> str:
    """A Chinese full name: a surname by its real frequency and a given name."""
    pools = _pools()
    surname = _pick(rng, pools.surnames, pools.surname_cum)
    roll = rng.random()
    if roll < 0.4:
        given = _one(rng, pools.given_male)
    elif roll < 0.8:
        given = _one(rng, pools.given_female)
    else:
        # Two characters picked freely widen the pool beyond Faker's common names.
        given = _one(rng, pools.given_chars) + _one(rng, pools.given_chars)
    return surname + given


def mobile_phone(rng: random.Random) -> str:
    """An 11-digit mainland mobile number."""
    return f"{_one(rng, _MOBILE_PREFIXES)}{_int(rng, 0, 10**8 - 1):08d}"


def landline_phone(rng: random.Random, station: Station) -> str:
    """A Yangquan landline (area code 0353); county exchanges start with 6–8."""
    first = _one(rng, "678" if station.flavour == "county" else "2345")
    return f"0353-{first}{_int(rng, 0, 10**6 - 1):06d}"


# Administrative division codes (GB/T 2260) of Yangquan's districts and counties.
_DIVISION_CODES = {
    "城区": "140302",
    "矿区": "140303",
    "郊区": "140311",
    "平定县": "140321",
    "盂县": "140322",
}
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id(rng: random.Random, station: Station) -> str:
    """A resident ID number (GB 11643) registered in the station's district, born 1940–2004."""
    born = f"{_int(rng, 1940, 2004)}{_int(rng, 1, 12):02d}{_int(rng, 1, 28):02d}"
    first17 = f"{_DIVISION_CODES[station.district]}{born}{_int(rng, 0, 999):03d}"
    # validators.resident_id_check_char computes the same, at a third of the speed;
    # the tests check every generated number with the archive's validator.
    return first17 + _ID_CHECK[sum(map(operator.mul, map(int, first17), _ID_WEIGHTS)) % 11]


def social_credit_code(rng: random.Random, station: Station, registration: str) -> str:
    """A unified social credit code (GB 32100) registered in Yangquan.

    The organisation-code part carries its own GB 11714 check character, as real
    codes do; the newer ones start with MA.
    """
    if rng.random() < 0.6:
        body = "MA" + "".join(_one(rng, _USCC_CHARS) for _ in range(6))
    else:
        body = f"{_int(rng, 0, 10**8 - 1):08d}"
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    org_code = body + {10: "X", 11: "0"}.get(check, str(check))
    division = "140300" if rng.random() < 0.5 else _DIVISION_CODES[station.district]
    first17 = f"{registration}{division}{org_code}"
    return first17 + uscc_check_char(first17)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """A region to create, below the region with code ``parent_code``."""

    code: str
    name: str
    level: RegionLevel
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class StaffSpec:
    """A demo login."""

    username: str
    full_name: str
    role: Role
    region_code: str | None = None
    is_superuser: bool = False
    # For key-account managers: the districts whose key accounts they look after.
    districts: tuple[str, ...] = ()


# Not frozen: a frozen dataclass sets each of its fields through object.__setattr__,
# which made building a row take as long as everything else together.
@dataclass(slots=True)
class CustomerRow:
    """One synthetic customer, ready to become a :class:`Customer`."""

    # Tier 1: what every customer must have.
    account_no: str
    name: str
    certificate_type: str
    certificate_no: str
    segment: Segment
    tariff_category: TariffCategory
    tariff_structure: str
    billing_method: str
    tou_applied: bool
    voltage_level: VoltageLevel
    contracted_kva: int
    station_code: str
    address: str
    phone: str
    industry_code: str
    key_account: bool
    # Tiers 2 and 3, each left blank for some customers as in a real archive
    # ("" or None when not known).
    contact_person: str
    transformer_area: str
    importance_class: str
    production_shifts: str
    employees: int | None
    meter_kind: str
    meter_count: int | None
    transformer_count: int | None
    transformer_kva: int | None
    backup_power_kw: int | None
    payment_method: str
    deposit_yuan: int | None
    phone_alt: str
    preferred_channel: str
    e_bill: bool | None


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("manager", "张志强", Role.MARKETING_MANAGER, COMPANY_CODE),
    StaffSpec("kam", "李慧敏", Role.KEY_ACCOUNT_MANAGER, COMPANY_CODE, districts=("YQ01", "YQ02")),
    StaffSpec("kam2", "赵文博", Role.KEY_ACCOUNT_MANAGER, COMPANY_CODE, districts=("YQ03", "YQ04")),
    StaffSpec("kam3", "郭晓燕", Role.KEY_ACCOUNT_MANAGER, COMPANY_CODE, districts=("YQ05",)),
    StaffSpec("specialist", "刘婷", Role.BUSINESS_SPECIALIST, COMPANY_CODE),
    StaffSpec("agent", "陈静", Role.SERVICE_AGENT, COMPANY_CODE),
    StaffSpec("collector", "王磊", Role.REGIONAL_COLLECTOR, "YQ0101"),
    StaffSpec("collector2", "杨帆", Role.REGIONAL_COLLECTOR, "YQ0201"),
    StaffSpec("archivist", "孙丽华", Role.ARCHIVE_OFFICER, COMPANY_CODE),
    StaffSpec("planner", "周明", Role.DEMAND_PLANNER, COMPANY_CODE),
    StaffSpec("admin", "高峰", Role.ADMINISTRATOR, COMPANY_CODE, is_superuser=True),
    # Named after the household it is linked to once the customers exist.
    StaffSpec("customer", "", Role.CUSTOMER),
)
PORTAL_USERNAME = "customer"


def region_specs() -> list[RegionSpec]:
    """The region tree: the company, its five districts and counties, ten stations."""
    specs = [RegionSpec(COMPANY_CODE, COMPANY_NAME, RegionLevel.COMPANY, None)]
    for code, name in DISTRICTS:
        specs.append(RegionSpec(code, name, RegionLevel.DISTRICT, COMPANY_CODE))
        specs.extend(
            RegionSpec(s.code, s.name, RegionLevel.STATION, code)
            for s in STATIONS
            if s.district_code == code
        )
    return specs


def tariff_for(kind: Kind, kva: int) -> TariffCategory:
    """The catalogue tariff (用电类别) a customer of this kind and size is billed on."""
    if kind.segment == Segment.RESIDENTIAL:
        return TariffCategory.RESIDENTIAL
    if kind.segment == Segment.INDUSTRIAL or kind.large_industry_ok:
        big = kva >= LARGE_INDUSTRY_KVA
        return TariffCategory.LARGE_INDUSTRY if big else TariffCategory.GENERAL_CI
    if kind.segment == Segment.OTHER and kind.industry.startswith("A"):
        return TariffCategory.AGRICULTURE
    return TariffCategory.GENERAL_CI


class _Fields(dict[str, str]):
    """The fields a name template may use, each drawn only when a template asks for it."""

    def __init__(self, rng: random.Random, station: Station, place: _Place) -> None:
        super().__init__()
        self.rng = rng
        self.station = station
        self.place = place

    def __missing__(self, key: str) -> str:
        value = self._make(key)
        self[key] = value
        return value

    def _make(self, key: str) -> str:
        rng, station, place = self.rng, self.station, self.place
        fixed = {"city": station.city, "area": station.area, "short": station.short}
        if key in fixed:
            return fixed[key]
        pools: dict[str, Sequence[str]] = {
            "word": _pools().words,
            "food": _FOODS,
            "bank": _BANKS,
            "bureau": _BUREAUS,
            "ord": _ORDINALS,
        }
        if key in pools:
            return _one(rng, pools[key])
        if key == "street":
            return place.street or _one(rng, station.streets)
        if key == "town":
            return place.town or station.street_town or station.district
        if key == "village":
            return place.village or _one(rng, _VILLAGES)
        if key == "place":
            # Branches and base stations are named after their street or town.
            return place.street or place.town.rstrip("镇乡") or _one(rng, station.streets)
        if key == "surname":
            return _pick(rng, _pools().surnames, _pools().surname_cum)
        if key == "person":
            return person_name(rng)
        if key == "n":
            return str(_int(rng, 1, 99))
        raise KeyError(key)


@dataclass(slots=True)
class _Place:
    street: str = ""
    town: str = ""
    village: str = ""


def _address(rng: random.Random, station: Station, place: _Place, *, household: bool) -> str:
    prefix = f"山西省阳泉市{station.district}"
    if place.village:
        return f"{prefix}{place.town}{place.village}村{_int(rng, 1, 300)}号"
    head = f"{prefix}{station.street_town}{place.street}{_int(rng, 1, 320)}号"
    # Most town households live in blocks of flats: 3号楼2单元501.
    if household and rng.random() < 0.9:
        floor, room = _int(rng, 1, 18), _int(rng, 1, 4)
        return f"{head}{_int(rng, 1, 30)}号楼{_int(rng, 1, 6)}单元{floor}{room:02d}"
    return head


def _place(rng: random.Random, station: Station) -> _Place:
    if station.towns and rng.random() < station.rural_share:
        return _Place(town=_one(rng, station.towns), village=_one(rng, _VILLAGES))
    return _Place(street=_one(rng, station.streets))


@dataclass(frozen=True, slots=True)
class _Chooser:
    """Precomputed cumulative weights so every draw is one bisect."""

    stations: tuple[Station, ...]
    station_cum: tuple[float, ...]
    segment_cum: dict[str, tuple[float, ...]]
    kinds: dict[tuple[str, Segment], tuple[tuple[Kind, ...], tuple[float, ...]]]
    supply_cum: dict[str, tuple[float, ...]]


def _cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    return tuple(itertools.accumulate(weights))


@cache
def _chooser() -> _Chooser:
    kinds: dict[tuple[str, Segment], tuple[tuple[Kind, ...], tuple[float, ...]]] = {}
    for i, flavour in enumerate(_FLAVOURS):
        for segment in _SEGMENT_ORDER:
            of_segment = tuple(k for k in KINDS if k.segment == segment and k.weights[i] > 0)
            kinds[flavour, segment] = (of_segment, _cumulative(k.weights[i] for k in of_segment))
    return _Chooser(
        stations=STATIONS,
        station_cum=_cumulative(s.share for s in STATIONS),
        segment_cum={s.code: _cumulative(s.mix) for s in STATIONS},
        kinds=kinds,
        supply_cum={k.key: _cumulative(s.weight for s in k.supplies) for k in KINDS},
    )


def customer_rows(rng: random.Random, count: int) -> Iterator[CustomerRow]:
    """``count`` customers spread over the stations, lazily, all drawn from ``rng``.

    Account numbers are the station's two-digit index and an eight-digit
    sequence that rises with small gaps, as closed accounts leave them.
    """
    chooser = _chooser()
    # Each station's sequence starts somewhere different, drawn before any row.
    next_seq = {s.code: rng.randrange(1_000_000, 5_000_000) for s in STATIONS}
    for _ in range(count):
        station = _pick(rng, chooser.stations, chooser.station_cum)
        segment = _pick(rng, _SEGMENT_ORDER, chooser.segment_cum[station.code])
        kinds, kind_cum = chooser.kinds[station.flavour, segment]
        kind = _pick(rng, kinds, kind_cum)
        supply = _pick(rng, kind.supplies, chooser.supply_cum[kind.key])
        kva = _one(rng, supply.kva)
        place = _place(rng, station)
        seq = next_seq[station.code]
        next_seq[station.code] = seq + _int(rng, 1, 3)
        household = kind is _HOUSEHOLD
        if household:
            name = person_name(rng)
            phone = mobile_phone(rng)
            address = _address(rng, station, place, household=True)
            certificate = (CertificateType.RESIDENT_ID, resident_id(rng, station))
        else:
            templates = kind.rural_names if place.village and kind.rural_names else kind.names
            name = _one(rng, templates).format_map(_Fields(rng, station, place))
            phone = landline_phone(rng, station) if rng.random() < 0.75 else mobile_phone(rng)
            address = _address(rng, station, place, household=False)
            registration = kind.uscc_type
            if "公司" not in name and rng.random() < kind.sole_trader_share:
                registration = "92"
            certificate = (CertificateType.USCC, social_credit_code(rng, station, registration))
        tariff = tariff_for(kind, kva)
        yield CustomerRow(
            account_no=f"{station.index:02d}{seq:08d}",
            name=name,
            certificate_type=certificate[0],
            certificate_no=certificate[1],
            segment=segment,
            tariff_category=tariff,
            voltage_level=supply.voltage,
            contracted_kva=kva,
            station_code=station.code,
            address=address,
            phone=phone,
            industry_code=kind.industry,
            key_account=kind.important or kva >= KEY_ACCOUNT_KVA,
            **_billing(rng, tariff, kva),
            **_equipment(rng, kind, supply.voltage, kva, place),
            **_contact(rng, kind, kva),
        )


def _billing(rng: random.Random, tariff: TariffCategory, kva: int) -> dict[str, Any]:
    # Large industry pays a two-part tariff (energy plus capacity or maximum demand);
    # time-of-use pricing is compulsory for business from 100 kVA, chosen by some homes.
    two_part = tariff == TariffCategory.LARGE_INDUSTRY
    if two_part:
        by_demand = kva >= 2000 and rng.random() < 0.7
        billing = BillingMethod.DEMAND if by_demand else BillingMethod.CAPACITY
    else:
        billing = BillingMethod.ENERGY
    if tariff == TariffCategory.RESIDENTIAL:
        tou = rng.random() < 0.2
    elif tariff == TariffCategory.AGRICULTURE:
        tou = rng.random() < 0.1
    else:
        tou = kva >= 100 or rng.random() < 0.5
    return {
        "tariff_structure": TariffStructure.TWO_PART if two_part else TariffStructure.SINGLE_PART,
        "billing_method": billing,
        "tou_applied": tou,
    }


def _equipment(
    rng: random.Random, kind: Kind, voltage: VoltageLevel, kva: int, place: _Place
) -> dict[str, Any]:
    low_voltage = voltage in (V220, V380)
    household = kind is _HOUSEHOLD
    # Low-voltage customers hang off a public transformer area (台区); high-voltage
    # ones own their transformers and are metered through CTs.
    area = ""
    if low_voltage and rng.random() < 0.92:
        area = f"{place.village}村" if place.village else place.street
        area = f"{area}{_int(rng, 1, 12)}号台区"
    if not low_voltage:
        meter = MeterKind.CT
    elif rng.random() < 0.05:
        meter = MeterKind.PREPAID
    else:
        meter = MeterKind.SMART_1P if voltage == V220 else MeterKind.SMART_3P
    transformers = 0 if low_voltage else (1 if kva < 1000 else _int(rng, 2, 4))
    known = rng.random() < 0.9 and not household
    backup = None
    if kind.segment in (Segment.INDUSTRIAL, Segment.PUBLIC_UTILITY):
        if rng.random() < (0.8 if kind.important else 0.15):
            # Emergency supply (保安电源) for the loads that must not stop.
            backup = min(5000, max(10, 10 * round(kva * (0.01 + 0.02 * rng.random()))))
    return {
        "transformer_area": area,
        "meter_kind": meter if rng.random() < 0.95 else "",
        "meter_count": (1 if low_voltage else _int(rng, 1, 3)) if rng.random() < 0.95 else None,
        "transformer_count": transformers if known else None,
        "transformer_kva": (0 if low_voltage else kva) if known else None,
        "backup_power_kw": backup,
    }


_HOUSEHOLD_PAYMENTS = (
    (PaymentMethod.WECHAT_ALIPAY, 45),
    (PaymentMethod.APP, 25),
    (PaymentMethod.BANK_DEDUCTION, 15),
    (PaymentMethod.COUNTER, 8),
    (PaymentMethod.PREPAID, 7),
)
_BUSINESS_PAYMENTS = (
    (PaymentMethod.BANK_DEDUCTION, 60),
    (PaymentMethod.COUNTER, 20),
    (PaymentMethod.APP, 20),
)
_HOUSEHOLD_CHANNELS = (
    ContactChannel.WECHAT,
    ContactChannel.SMS,
    ContactChannel.APP,
    ContactChannel.PHONE,
)
_BUSINESS_CHANNELS = (
    ContactChannel.PHONE,
    ContactChannel.VISIT,
    ContactChannel.EMAIL,
    ContactChannel.WECHAT,
)


@cache
def _weighted(table: tuple[tuple[str, int], ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    return tuple(v for v, _ in table), _cumulative(w for _, w in table)


def _contact(rng: random.Random, kind: Kind, kva: int) -> dict[str, Any]:
    # Tier 2 is mostly known, tier 3 (gathered in contact with the customer) often not.
    household = kind is _HOUSEHOLD
    payments = _weighted(_HOUSEHOLD_PAYMENTS if household else _BUSINESS_PAYMENTS)
    values: dict[str, Any] = {
        "contact_person": "",
        "importance_class": "",
        "production_shifts": "",
        "employees": None,
        "deposit_yuan": None,
        "payment_method": _pick(rng, *payments) if rng.random() < 0.9 else "",
        "phone_alt": mobile_phone(rng) if rng.random() < 0.1 else "",
        "preferred_channel": "",
        "e_bill": None,
    }
    if rng.random() < 0.4:
        channels = _HOUSEHOLD_CHANNELS if household else _BUSINESS_CHANNELS
        values["preferred_channel"] = _one(rng, channels)
    if rng.random() < 0.45:
        values["e_bill"] = rng.random() < (0.7 if household else 0.5)
    if household:
        return values
    if rng.random() < 0.85:
        values["contact_person"] = person_name(rng)
    if rng.random() < 0.95:
        values["importance_class"] = kind.importance
    if kind.shifts is not None and rng.random() < 0.85:
        values["production_shifts"] = kind.shifts
    if rng.random() < 0.4:
        values["employees"] = min(12000, max(2, int(kva * 0.15 * (0.5 + rng.random()))))
    if rng.random() < 0.7:
        # Most pay no security deposit (电费保证金); some owe one of about a month's bill.
        values["deposit_yuan"] = 0 if rng.random() < 0.8 else max(1000, round(kva * 50, -3))
    return values


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What :func:`write_demo` created."""

    seed: int
    customers: int
    by_segment: dict[str, int]
    key_accounts: int
    portal_account_no: str | None
    portal_name: str | None
    # Time spent generating and inserting customers, without regions and logins
    # (whose password hashing alone takes seconds).
    customer_seconds: float


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# CustomerRow fields that are stored under the same name.
_STORED = (
    "account_no",
    "name",
    "certificate_type",
    "certificate_no",
    "segment",
    "tariff_category",
    "tariff_structure",
    "billing_method",
    "tou_applied",
    "voltage_level",
    "address",
    "phone",
    "industry_code",
    "contact_person",
    "transformer_area",
    "importance_class",
    "production_shifts",
    "employees",
    "meter_kind",
    "meter_count",
    "transformer_count",
    "payment_method",
    "phone_alt",
    "preferred_channel",
    "e_bill",
)
_DECIMALS = ("contracted_kva", "transformer_kva", "backup_power_kw", "deposit_yuan")
# Fields some customers leave blank.
_OPTIONAL = (
    "contact_person",
    "transformer_area",
    "importance_class",
    "production_shifts",
    "employees",
    "meter_kind",
    "meter_count",
    "transformer_count",
    "transformer_kva",
    "backup_power_kw",
    "payment_method",
    "deposit_yuan",
    "phone_alt",
    "preferred_channel",
    "e_bill",
)


def _is_auto_now(field: models.Field[Any, Any]) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


class _Draft:
    """A customer-to-be, read and completed by the archive's derivations like a Customer.

    The row's values live in ``__dict__``; every other attribute is the model
    default, from ``defaults`` (set on the subclass :class:`_CustomerInsert` makes).
    """

    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.defaults[name]
        except KeyError:
            raise AttributeError(name) from None


class _CustomerInsert:
    """A plain parameterised INSERT of customers, built from the model's own fields.

    ``bulk_create`` runs every value of every row through the ORM's field
    preparation: about 100 µs a customer at 15 columns, several times too slow for
    a million rows and slower with every column the archive gains. Here each
    column's default is prepared once into a template row; a customer copies it
    and sets the values it has, preparing only JSON and the bigram keys. A new field
    with a default needs no change. The INSERT is portable (``%s`` placeholders through Django's
    cursor, quoted names); on PostgreSQL the same rows go through ``COPY``.
    """

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        opts = Customer._meta
        fields = [f for f in opts.concrete_fields if not isinstance(f, AutoFieldMixin)]
        now = timezone.now()
        self.connection = connection
        defaults = {f.attname: now if _is_auto_now(f) else f.get_default() for f in fields}

        class Draft(_Draft):
            pass

        Draft.defaults = defaults
        self.draft = Draft
        self.position = {f.attname: i for i, f in enumerate(fields)}
        # Values the database driver cannot take as they are (JSON, the bigram keys).
        self.json = {
            f.attname: f
            for f in fields
            if f.get_internal_type() in {"JSONField", "SearchKeysField"}
        }
        self.template = [
            f.get_db_prep_save(defaults[f.attname], connection)
            if f.attname in self.json or _is_auto_now(f)
            else defaults[f.attname]
            for f in fields
        ]
        # Most customers fire no rule: an empty JSON value is prepared once per column.
        self.empty_json: dict[tuple[str, type], Any] = {}
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Only the model's quoted table and column names go into the text; values are bound.
        table = quote(opts.db_table)
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    def params(self, draft: _Draft) -> list[Any]:
        """The INSERT's parameters for one customer."""
        values = list(self.template)
        position = self.position
        given = draft.__dict__
        for name, value in given.items():
            values[position[name]] = value
        for name, field in self.json.items():
            if name not in given:
                continue
            value = given[name]
            key = (name, type(value))
            if not value and key in self.empty_json:
                values[position[name]] = self.empty_json[key]
                continue
            prepared = field.get_db_prep_save(value, self.connection)
            if not value:
                self.empty_json[key] = prepared
            values[position[name]] = prepared
        return values

    def write(self, cursor: CursorWrapper, rows: Sequence[Sequence[Any]]) -> None:
        """Insert customers, each given by :meth:`params`."""
        if self.connection.vendor == "postgresql":
            # COPY, as the archive's import does: executemany through Django's
            # client-side binding quotes every value in Python, several times slower.
            raw = cast(Any, cursor).cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(self.copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # One statement, many parameter rows: SQLite reuses the prepared statement.
        cursor.executemany(self.sql, rows)


@transaction.atomic
def write_demo(
    *, customers: int, seed: int, on_batch: Callable[[int], None] | None = None
) -> DemoResult:
    """Create the regions, the logins and ``customers`` customers drawn from ``seed``.

    The derived fields (phone_last4, segment, completeness, the published mapping
    rules' targets) are computed by the archive's own :class:`Deriver`, as for an
    import. The database must not hold the demo already (see
    ``services.demo_reset``). ``on_batch`` is told how many customers each insert
    wrote, for a progress bar.
    """
    if not 0 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 0 and {MAX_CUSTOMERS:,}")
    regions: dict[str, Region] = {}
    for spec in region_specs():
        parent = regions[spec.parent_code] if spec.parent_code else None
        regions[spec.code] = region_create(
            code=spec.code, name=spec.name, level=spec.level, parent=parent
        )
    users: dict[str, User] = {}
    manager_of_district: dict[str, int] = {}
    for staff in STAFF:
        user = user_create(
            username=staff.username,
            password=DEMO_PASSWORD,
            full_name=staff.full_name,
            role=staff.role,
            region=regions[staff.region_code] if staff.region_code else None,
            is_superuser=staff.is_superuser,
        )
        users[staff.username] = user
        manager_of_district.update(dict.fromkeys(staff.districts, user.pk))

    station_ids = {s.code: regions[s.code].pk for s in STATIONS}
    district_of = {s.code: s.district_code for s in STATIONS}
    decimals: dict[int, Decimal] = {}
    by_segment: Counter[str] = Counter()
    key_accounts = 0
    portal: CustomerRow | None = None
    deriver = Deriver(registry.all_specs(), published_rules())
    stored = operator.attrgetter(*_STORED)
    numbers = operator.attrgetter(*_DECIMALS)
    optional = operator.attrgetter(*_OPTIONAL)
    # Which optional fields a customer has keys the Deriver's completeness memo.
    filled_sets: dict[tuple[bool, ...], frozenset[str]] = {}
    # Demo data, not secrets: a seeded, reproducible generator is the point.
    rows = customer_rows(random.Random(seed), customers)  # noqa: S311
    started = time.perf_counter()
    connection = connections[router.db_for_write(Customer)]
    insert = _CustomerInsert(connection)
    with connection.cursor() as cursor:
        for batch in _batches(rows, BATCH_SIZE):
            params = []
            for row in batch:
                if portal is None and row.segment == Segment.RESIDENTIAL:
                    portal = row
                manager_id = None
                if row.key_account:
                    manager_id = manager_of_district[district_of[row.station_code]]
                    key_accounts += 1
                by_segment[row.segment] += 1
                values = dict(zip(_STORED, stored(row), strict=True))
                for name, number in zip(_DECIMALS, numbers(row), strict=True):
                    if number is not None and number not in decimals:
                        decimals[number] = Decimal(number)
                    values[name] = None if number is None else decimals[number]
                values["region_id"] = station_ids[row.station_code]
                values["account_manager_id"] = manager_id
                draft = insert.draft(values)
                known = tuple(v is not None and v != "" for v in optional(row))
                filled = filled_sets.get(known)
                if filled is None:
                    filled = filled_sets[known] = frozenset(itertools.compress(_OPTIONAL, known))
                deriver.derive(cast(Any, draft), filled)
                params.append(insert.params(draft))
            insert.write(cursor, params)
            if on_batch is not None:
                on_batch(len(params))

    customer_seconds = time.perf_counter() - started
    if portal is not None:
        portal_user = users[PORTAL_USERNAME]
        Customer.objects.filter(account_no=portal.account_no).update(portal_user=portal_user)
        portal_user.full_name = portal.name
        portal_user.save(update_fields=["full_name"])
    return DemoResult(
        seed=seed,
        customers=sum(by_segment.values()),
        by_segment={s.value: by_segment[s] for s in _SEGMENT_ORDER},
        key_accounts=key_accounts,
        portal_account_no=portal.account_no if portal else None,
        portal_name=portal.name if portal else None,
        customer_seconds=customer_seconds,
    )
