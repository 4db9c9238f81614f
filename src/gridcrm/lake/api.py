"""REST endpoints of the lake: tables, imports, a customer's load and features. Refusals
are the lake's domain errors, answered by the API's one exception handler."""

from __future__ import annotations

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from gridcrm.core import uploads
from gridcrm.lake import selectors, services
from gridcrm.lake.models import LakeImport, MonthlyLoadFeature
from gridcrm.web.http import AuthedRequest

router = Router(tags=["lake"])


class PartitionOut(Schema):
    month: str
    files: int
    rows: int
    bytes: int
    modified: datetime


class TableOut(Schema):
    name: str
    doc: str
    rows: int
    files: int
    bytes: int
    freshness: datetime | None
    partitions: list[PartitionOut]


class ImportOut(Schema):
    id: int
    table: str
    source_name: str
    status: str
    rows_read: int
    accepted: int
    already_present: int
    duplicates: int
    rejected: int
    reasons: dict[str, int]
    months: list[str]
    error: str
    error_code: str
    job_id: int | None
    has_rejects: bool

    @staticmethod
    def resolve_has_rejects(obj: LakeImport) -> bool:
        return bool(obj.reject_file)


class LoadCurveOut(Schema):
    account_no: str
    times: list[str]
    kw: list[float]
    typical_kw: list[float | None]


class FeatureOut(Schema):
    month: date
    kwh_total: float
    kwh_sharp: float
    kwh_peak: float
    kwh_flat: float
    kwh_valley: float
    max_demand_kw: float | None
    load_factor: float | None
    peak_valley_diff_kw: float | None
    volatility: float | None
    mom_change: float | None
    yoy_change: float | None


@router.get("/tables", response=list[TableOut], summary="Fact tables, partitions, rows")
def lake_tables(request: AuthedRequest) -> list[TableOut]:
    selectors.require_view_lake(user=request.user)
    return [
        TableOut(
            name=t.name,
            doc=t.doc,
            rows=t.rows,
            files=t.files,
            bytes=t.bytes,
            freshness=t.freshness,
            partitions=[PartitionOut(**p.__dict__) for p in t.partitions],
        )
        for t in selectors.lake_overview()
    ]


@router.post("/imports", response={202: ImportOut}, summary="Import a CSV or Parquet file")
@uploads.accepts_upload(uploads.LAKE)
def lake_import(
    request: AuthedRequest, table: Form[str], file: File[UploadedFile]
) -> tuple[int, LakeImport]:
    """Starts a background import; poll ``GET /api/lake/imports/{id}`` for the report."""
    lake_import = services.lake_import_start(
        table=table, source_name=file.name or "upload", content=file, acting_user=request.user
    )
    return 202, lake_import


@router.get("/imports/{import_id}", response=ImportOut, summary="An import's report")
def lake_import_detail(request: AuthedRequest, import_id: int) -> LakeImport:
    return get_object_or_404(selectors.lake_imports_visible_to(user=request.user), pk=import_id)


@router.get(
    "/customers/{account_no}/load", response=LoadCurveOut, summary="A customer's load curve"
)
def customer_load(request: AuthedRequest, account_no: str, days: int = 7) -> LoadCurveOut:
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    curve = selectors.load_curve(customer=customer, days=min(max(days, 1), 31))
    return LoadCurveOut(
        account_no=curve.account_no, times=curve.times, kw=curve.kw, typical_kw=curve.typical_kw
    )


@router.get(
    "/customers/{account_no}/features",
    response=list[FeatureOut],
    summary="A customer's monthly load features",
)
def customer_features(request: AuthedRequest, account_no: str) -> list[MonthlyLoadFeature]:
    customer = selectors.visible_customer(user=request.user, account_no=account_no)
    return selectors.customer_load_features(customer=customer, months=36)
