"""Which customer fields are sealed at rest, and the keyed hashes that keep them
searchable (``gridcrm.core.sealing``; docs/security.md, "At rest").

- ``phone_hash`` / ``phone_alt_hash``: the phone's digits (``0353-1234567`` and
  ``03531234567`` hash alike), so a whole phone is found however it is typed;
- ``phone_last4_hash``: the last four digits of ``phone``;
- ``certificate_hash``: the certificate number in capitals (public credit lists match
  customers by it).
"""

from __future__ import annotations

from typing import Protocol

from gridcrm.core.sealing import keyring

SEALED_FIELDS = ("certificate_no", "phone", "phone_alt")
HASH_COLUMNS = ("phone_hash", "phone_alt_hash", "phone_last4_hash", "certificate_hash")

PHONE, LAST4, CERTIFICATE = "phone", "last4", "certificate"


class HasPersonalFields(Protocol):
    phone: str
    phone_alt: str
    certificate_no: str


def phone_digits(phone: str) -> str:
    """The digits of a phone as typed: what its hash is made of."""
    return "".join(c for c in phone if "0" <= c <= "9")


def personal_hashes(customer: HasPersonalFields) -> dict[str, str]:
    """The hash columns of a customer's (plain) phones and certificate number."""
    ring = keyring()
    digits = phone_digits(customer.phone or "")
    return {
        "phone_hash": ring.search_hash(PHONE, digits),
        "phone_alt_hash": ring.search_hash(PHONE, phone_digits(customer.phone_alt or "")),
        "phone_last4_hash": ring.search_hash(LAST4, digits[-4:]),
        "certificate_hash": certificate_hash(customer.certificate_no or ""),
    }


def certificate_hash(certificate_no: str) -> str:
    """The stored hash of a certificate number (customers and credit list entries)."""
    return keyring().search_hash(CERTIFICATE, certificate_no.strip().upper())


def phone_search_hashes(digits: str) -> list[str]:
    """What a whole phone (its digits) may be stored as, under every hash key."""
    return keyring().search_hashes(PHONE, digits)


def last4_search_hashes(digits: str) -> list[str]:
    """What the last four digits of a phone may be stored as, under every hash key."""
    return keyring().search_hashes(LAST4, digits)


def certificate_search_hashes(certificate_no: str) -> list[str]:
    """What a certificate number may be stored as, under every hash key."""
    return keyring().search_hashes(CERTIFICATE, certificate_no.strip().upper())
