"""Kinds of customer of the demo company: industry, naming, supply voltage and capacity.

Yangquan (阳泉) is a coal town: anthracite mines, coking, aluminium, steel and, above
all, refractories; the kinds and their weights per station flavour follow that shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridcrm.archive.choices import (
    ImportanceClass,
    ProductionShifts,
    Segment,
    VoltageLevel,
)

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


FLAVOURS = ("urban", "mining", "suburban", "county")


HOUSEHOLD = Kind(
    key="household",
    segment=Segment.RESIDENTIAL,
    industry="",
    weights=(1, 1, 1, 1),
    names=(),
    # A few households have a three-phase supply (bigger houses, heat pumps).
    supplies=(Supply(97, V220, (4, 6, 6, 8, 8, 10, 12)), Supply(3, V380, (12, 16, 20))),
)

KINDS: tuple[Kind, ...] = (
    HOUSEHOLD,
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
