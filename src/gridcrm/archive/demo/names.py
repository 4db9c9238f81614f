"""Names, phone numbers and certificate numbers of the demo's people and organisations.

No Faker object is called per row (it is far too slow at a million rows): the name
pools are read once from Faker's ``zh_CN`` provider data.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from functools import cache

from gridcrm.archive.demo.draw import one as _one
from gridcrm.archive.demo.draw import pick as _pick
from gridcrm.archive.demo.draw import whole as _int
from gridcrm.archive.demo.places import Station
from gridcrm.archive.validators import USCC_ALPHABET, resident_id_check_char, uscc_check_char

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
FOODS = (
    "刀削面馆", "饺子馆", "火锅店", "烧烤店", "面馆", "小吃店", "酒楼", "快餐店", "砂锅居",
    "涮肉馆", "包子铺", "拉面馆",
)  # fmt: skip
BANKS = (
    "中国工商银行股份有限公司",
    "中国农业银行股份有限公司",
    "中国银行股份有限公司",
    "中国建设银行股份有限公司",
    "交通银行股份有限公司",
    "中国邮政储蓄银行股份有限公司",
    "晋商银行股份有限公司",
    "山西阳泉农村商业银行股份有限公司",
)
BUREAUS = (
    "公安局", "财政局", "教育局", "民政局", "人力资源和社会保障局", "自然资源局",
    "住房和城乡建设局", "交通运输局", "水务局", "农业农村局", "市场监督管理局", "税务局",
    "应急管理局", "卫生健康委员会",
)  # fmt: skip
ORDINALS = ("一", "二", "三", "四", "五")
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
def name_pools() -> _Pools:
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
    pools = name_pools()
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
# GB 11714's weights for the organisation code inside a credit code (only the demo makes one).
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(rng: random.Random, station: Station) -> str:
    """A resident ID number (GB 11643) registered in the station's district, born 1940–2004."""
    born = f"{_int(rng, 1940, 2004)}{_int(rng, 1, 12):02d}{_int(rng, 1, 28):02d}"
    first17 = f"{_DIVISION_CODES[station.district]}{born}{_int(rng, 0, 999):03d}"
    return first17 + resident_id_check_char(first17)


def social_credit_code(rng: random.Random, station: Station, registration: str) -> str:
    """A unified social credit code (GB 32100) registered in Yangquan.

    The organisation-code part carries its own GB 11714 check character, as real
    codes do; the newer ones start with MA.
    """
    if rng.random() < 0.6:
        body = "MA" + "".join(_one(rng, USCC_ALPHABET) for _ in range(6))
    else:
        body = f"{_int(rng, 0, 10**8 - 1):08d}"
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    org_code = body + {10: "X", 11: "0"}.get(check, str(check))
    division = "140300" if rng.random() < 0.5 else _DIVISION_CODES[station.district]
    first17 = f"{registration}{division}{org_code}"
    return first17 + uscc_check_char(first17)
