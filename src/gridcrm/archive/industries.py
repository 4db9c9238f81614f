"""Industries of GB/T 4754-2017 (国民经济行业分类) that GridCRM customers belong to.

A customer's ``industry_code`` is a section letter followed by the four-digit
class, e.g. ``C3110`` (炼铁). Households have no GB/T 4754 industry and leave
it blank. The table holds the classes a city supply company in Shanxi meets;
the section letter alone is enough to validate any other code.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SECTIONS: dict[str, Promise] = {
    "A": _("Agriculture, forestry, animal husbandry and fishery"),
    "B": _("Mining"),
    "C": _("Manufacturing"),
    "D": _("Electricity, heat, gas and water production and supply"),
    "E": _("Construction"),
    "F": _("Wholesale and retail trade"),
    "G": _("Transport, storage and post"),
    "H": _("Accommodation and catering"),
    "I": _("Information transmission, software and IT services"),
    "J": _("Finance"),
    "K": _("Real estate"),
    "L": _("Leasing and business services"),
    "M": _("Scientific research and technical services"),
    "N": _("Water conservancy, environment and public facilities management"),
    "O": _("Resident services, repair and other services"),
    "P": _("Education"),
    "Q": _("Health and social work"),
    "R": _("Culture, sports and entertainment"),
    "S": _("Public administration, social security and social organisations"),
    "T": _("International organisations"),
}

# Classes named in the UI; (Chinese name, English name).
CLASSES: dict[str, tuple[str, str]] = {
    "A0111": ("稻谷种植", "Rice growing"),
    "A0112": ("小麦种植", "Wheat growing"),
    "A0141": ("蔬菜种植", "Vegetable growing"),
    "A0311": ("牛的饲养", "Cattle raising"),
    "A0313": ("猪的饲养", "Pig raising"),
    "B0610": ("烟煤和无烟煤开采洗选", "Bituminous coal and anthracite mining"),
    "B0810": ("铁矿采选", "Iron ore mining"),
    "C1311": ("稻谷加工", "Rice milling"),
    "C1511": ("酒精制造", "Alcohol manufacturing"),
    "C2511": ("原油加工及石油制品制造", "Crude oil processing"),
    "C2520": ("炼焦", "Coking"),
    "C2614": ("有机化学原料制造", "Organic chemical raw materials"),
    "C3011": ("水泥制造", "Cement manufacturing"),
    "C3089": ("耐火陶瓷制品及其他耐火材料制造", "Refractory materials"),
    "C3110": ("炼铁", "Iron smelting"),
    "C3120": ("炼钢", "Steelmaking"),
    "C3130": ("钢压延加工", "Steel rolling"),
    "C3216": ("铝冶炼", "Aluminium smelting"),
    "C3311": ("金属结构制造", "Metal structures"),
    "C3670": ("汽车零部件及配件制造", "Automotive parts"),
    "C3812": ("电动机制造", "Electric motors"),
    "D4411": ("火力发电", "Thermal power generation"),
    "D4430": ("热力生产和供应", "Heat production and supply"),
    "D4610": ("自来水生产和供应", "Tap water production and supply"),
    "D4620": ("污水处理及其再生利用", "Sewage treatment"),
    "E4710": ("住宅房屋建筑", "Residential building construction"),
    "F5211": ("百货零售", "Department stores"),
    "F5212": ("超级市场零售", "Supermarkets"),
    "F5265": ("机动车燃油零售", "Fuel stations"),
    "G5331": ("铁路货物运输", "Rail freight"),
    "G5411": ("城市公共交通运输", "Urban public transport"),
    "G5951": ("谷物、棉花等农产品仓储", "Grain storage"),
    "H6110": ("旅游饭店", "Tourist hotels"),
    "H6210": ("正餐服务", "Restaurants"),
    "I6311": ("固定电信服务", "Fixed telecommunication"),
    "I6450": ("互联网数据服务", "Internet data centres"),
    "J6621": ("商业银行服务", "Commercial banking"),
    "K7020": ("物业管理", "Property management"),
    "L7212": ("投资与资产管理", "Investment and asset management"),
    "M7320": ("工程和技术研究和试验发展", "Engineering research"),
    "N7810": ("市政设施管理", "Municipal facilities (street lighting)"),
    "N7820": ("环境卫生管理", "Sanitation"),
    "O8011": ("家庭服务", "Domestic services"),
    "O8111": ("汽车修理与维护", "Car repair"),
    "P8331": ("普通高中教育", "Senior high schools"),
    "P8341": ("普通高等教育", "Universities"),
    "Q8411": ("综合医院", "General hospitals"),
    "R8910": ("体育场地设施管理", "Sports venues"),
    "R9020": ("游乐园", "Amusement parks"),
    "S9221": ("综合事务管理机构", "Government administration"),
    "S9224": ("社会事务管理机构", "Public affairs administration"),
}

INDUSTRY_CODE_RE = re.compile(r"^[A-T]\d{4}$")


def industry_label(code: str, *, language: str) -> str:
    """The name of a class in the UI language, or the section's name for other codes."""
    if not code:
        return ""
    names = CLASSES.get(code)
    if names is not None:
        return names[0] if language.startswith("zh") else names[1]
    return str(SECTIONS.get(code[:1], code))
