"""The archive's part of the demo: a synthetic city supply company's customers.

国网阳泉供电公司 in Yangquan, Shanxi: five districts and counties, ten supply stations
with their own segment mix (:mod:`.places`), kinds of customer named like the people,
firms, hospitals and water works of the city (:mod:`.kinds`, :mod:`.names`), rows that
carry what the archive asks of them (:mod:`.rows`), written fast with the archive's own
derivations (:mod:`.writer`), then the archive's extras (:mod:`.extras`: rules, a credit
list, change requests). :mod:`.queries` holds the reads other apps' demo modules need.

Everything except the writers is a pure function of a ``random.Random``: the same seed
yields the same company, account for account.
"""

from gridcrm.archive.demo.extras import DEMO_RULES, archive_demo_data
from gridcrm.archive.demo.kinds import KINDS, Kind
from gridcrm.archive.demo.names import mobile_phone, person_name
from gridcrm.archive.demo.places import COMPANY_CODE, COMPANY_NAME, DISTRICTS, STATIONS, Station
from gridcrm.archive.demo.queries import (
    customer_count,
    customer_count_under,
    customer_fact_rows,
    customer_get,
    customer_pks,
    customer_pks_by_account,
    customers_in_regions,
    customers_of_segments,
    customers_outside_regions,
    key_account_count,
    portal_customer,
    transformer_areas,
)
from gridcrm.archive.demo.rows import KEY_ACCOUNT_KVA, CustomerRow, customer_rows
from gridcrm.archive.demo.writer import (
    MAX_CUSTOMERS,
    CustomersWritten,
    customers_write,
    portal_link,
)

__all__ = [
    "COMPANY_CODE",
    "COMPANY_NAME",
    "DEMO_RULES",
    "DISTRICTS",
    "KEY_ACCOUNT_KVA",
    "KINDS",
    "MAX_CUSTOMERS",
    "STATIONS",
    "CustomerRow",
    "CustomersWritten",
    "Kind",
    "Station",
    "archive_demo_data",
    "customer_count",
    "customer_count_under",
    "customer_fact_rows",
    "customer_get",
    "customer_pks",
    "customer_pks_by_account",
    "customer_rows",
    "customers_in_regions",
    "customers_of_segments",
    "customers_outside_regions",
    "customers_write",
    "key_account_count",
    "mobile_phone",
    "person_name",
    "portal_customer",
    "portal_link",
    "transformer_areas",
]
