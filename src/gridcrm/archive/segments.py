"""Segment classification (R6): the five segments from tariff category and industry."""

from __future__ import annotations

from gridcrm.archive.choices import Segment, TariffCategory

# GB/T 4754 sections and classes whose customers the company serves as public utilities:
# water, heat and sewage, public transport, municipal facilities, schools, hospitals,
# government.
_PUBLIC_UTILITY_CLASSES = ("D443", "D46", "G541", "N78", "P", "Q", "S")
_INDUSTRIAL_SECTIONS = ("B", "C", "D44", "E")
_COMMERCIAL_SECTIONS = ("F", "G", "H", "I", "J", "K", "L", "M", "O", "R")


def classify_segment(*, tariff_category: str, industry_code: str) -> Segment:
    """The segment a customer belongs to when nobody overrode it.

    The tariff category decides households and farms; otherwise the industry does:
    public-utility industries first, then industry, then commerce.
    """
    if tariff_category == TariffCategory.RESIDENTIAL:
        return Segment.RESIDENTIAL
    code = industry_code or ""
    if code.startswith(_PUBLIC_UTILITY_CLASSES):
        return Segment.PUBLIC_UTILITY
    if tariff_category == TariffCategory.AGRICULTURE or code.startswith("A"):
        return Segment.OTHER
    if tariff_category == TariffCategory.LARGE_INDUSTRY or code.startswith(_INDUSTRIAL_SECTIONS):
        return Segment.INDUSTRIAL
    if code.startswith(_COMMERCIAL_SECTIONS):
        return Segment.COMMERCIAL
    return Segment.OTHER
