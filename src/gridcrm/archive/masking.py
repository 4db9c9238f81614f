"""Masking of personal data for roles that do not need to see it."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits of a phone: 138****5678, 0353-***4567."""
    if not phone:
        return ""
    if "-" in phone:
        area, number = phone.split("-", 1)
        return f"{area}-{'*' * max(len(number) - 4, 0)}{number[-4:]}"
    if len(phone) <= 7:
        return "*" * (len(phone) - 4) + phone[-4:]
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_certificate(value: str) -> str:
    """Keep the first six and last four characters of an ID or credit code."""
    if len(value) <= 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"
