"""Where the demo company supplies: 国网阳泉供电公司, its five districts and counties and
ten supply stations, each with its own mix of customers, streets, towns and villages."""

from __future__ import annotations

from dataclasses import dataclass

from gridcrm.archive.choices import Segment

COMPANY_CODE = "YQ"
COMPANY_NAME = "国网阳泉供电公司"


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

SEGMENT_ORDER = (
    Segment.RESIDENTIAL,
    Segment.COMMERCIAL,
    Segment.INDUSTRIAL,
    Segment.PUBLIC_UTILITY,
    Segment.OTHER,
)

VILLAGES = (
    "东庄", "西庄", "南庄", "北庄", "前庄", "后庄", "上庄", "下庄", "东沟", "西沟", "南沟",
    "北沟", "王家庄", "李家庄", "张家庄", "赵家庄", "刘家庄", "郭家庄", "马家峪", "白家峪",
    "柳树沟", "杏树沟", "桃园", "岭上", "坡头", "窑上", "大石门", "小石门", "红岩", "青石",
    "庙沟", "龙门", "石板", "槐树铺", "土岭", "西峪", "东峪", "河湾", "峪口", "新村",
)  # fmt: skip
