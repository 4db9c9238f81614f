"""Customer import from CSV (UTF-8, UTF-8 with BOM or GB18030) and XLSX files.

Columns are mapped through the field registry (``header``). A file whose header is
wrong — an unknown column, a column named twice, no account-number column, an encoding
that is neither UTF-8 nor GB18030 — is refused whole (``ImportRefused``, a domain error
with an ``archive.import_…`` code) and nothing is written.

Each row is judged on its own, every cell through ``FieldSpec.clean`` (``cleaning``);
new customers get what the archive derives (``derivation``); known ones are updated
with history, their tier-1 changes made change requests (``batch``). Re-importing the
same file changes nothing. Valid rows are written even when others are rejected; the
rejected ones go, with their original cells and a ``reason`` column, to a reject file
(``report``). A dry run does all the judging and writes nothing but the report.

Speed: rows are read, judged and written in batches (``BATCH_SIZE``), a column at a
time; on PostgreSQL new customers go in by ``COPY`` on a writer thread, and a first load
into an empty archive builds its GIN indexes and checks its foreign keys at the end
(``bulkload``). ``tests/archive/test_import.py`` and ``test_import_columns.py`` check
that the fast paths give exactly what ``FieldSpec.clean`` and ``refresh_derived`` give.

Uploads run as jobs (``jobs``); the pages are ``imports.views``.

The modules, in the order an import uses them:

- ``files``: reading CSV and XLSX into a header and rows of text;
- ``header``: which field each column holds;
- ``cleaning`` (with ``column_checks``): cells to stored values, a column at a time;
- ``columns``: a batch kept as columns;
- ``derivation``: segment, rules and completeness of new customers;
- ``batch``: judging, planning and writing each batch;
- ``bulkload``: PostgreSQL's ``COPY`` and the first load's deferred indexes;
- ``report``: the report and the reject file;
- ``jobs``: starting an import, its job runner and its report.
"""

from gridcrm.archive.imports.batch import BATCH_SIZE, CustomerImport
from gridcrm.archive.imports.bulkload import INDEX_BUILD_MEMORY, pending_schema_remake
from gridcrm.archive.imports.cleaning import (
    FORMULA_STARTS,
    Cleaner,
    error_text,
    is_text_field,
    looks_like_formula,
)
from gridcrm.archive.imports.columns import Coded
from gridcrm.archive.imports.derivation import Deriver, Draft, NewCustomers
from gridcrm.archive.imports.errors import ImportNotPermitted, ImportRefused
from gridcrm.archive.imports.files import (
    IMPORT_SUFFIXES,
    XLSX_SUFFIXES,
    Table,
    detect_encoding,
    read_csv,
    read_table,
    read_xlsx,
    xlsx_text,
)
from gridcrm.archive.imports.header import Mapping, map_header
from gridcrm.archive.imports.jobs import (
    IMPORT_CUSTOMERS,
    customers_import,
    import_customers_job,
    import_report_load,
    import_start,
    imports_dir,
    report_path,
)
from gridcrm.archive.imports.report import MAX_REPORTED_ERRORS, CellError, ImportReport

__all__ = [
    "BATCH_SIZE",
    "FORMULA_STARTS",
    "IMPORT_CUSTOMERS",
    "IMPORT_SUFFIXES",
    "INDEX_BUILD_MEMORY",
    "MAX_REPORTED_ERRORS",
    "XLSX_SUFFIXES",
    "CellError",
    "Cleaner",
    "Coded",
    "CustomerImport",
    "Deriver",
    "Draft",
    "ImportNotPermitted",
    "ImportRefused",
    "ImportReport",
    "Mapping",
    "NewCustomers",
    "Table",
    "customers_import",
    "detect_encoding",
    "error_text",
    "import_customers_job",
    "import_report_load",
    "import_start",
    "imports_dir",
    "is_text_field",
    "looks_like_formula",
    "map_header",
    "pending_schema_remake",
    "read_csv",
    "read_table",
    "read_xlsx",
    "report_path",
    "xlsx_text",
]
