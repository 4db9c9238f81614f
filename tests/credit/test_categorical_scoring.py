"""A published card with a categorical indicator scores in production as in Python:
the rating expression's points equal ``scorecard.card_score`` per customer (an unseen
category and a missing one score the indicator's ``missing`` points), on DuckDB and on
Spark; the reason codes name the category."""

from __future__ import annotations

import datetime as dt
import json

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from gridcrm.credit import services
from gridcrm.credit.cards import Card
from gridcrm.credit.errors import CreditInvalid
from gridcrm.credit.models import CustomerCredit, ModelKind
from gridcrm.credit.scorecard import card_score
from gridcrm.credit.services.scorecards import ActiveModel
from gridcrm.lake import catalog
from gridcrm.users.models import User
from tests.conftest import Regions, make_customer
from tests.credit.conftest import AS_OF, LakeWriter, PayPlan
from tests.credit.test_scorecard import sample_with_a_channel

pytestmark = pytest.mark.django_db

CHANNEL = "payment_channel"
# Account → (days late on every bill, payment channel); None: no channel known, and the
# last account has no row in the channel table at all.
ACCOUNTS: dict[str, tuple[int, str | None]] = {
    "0100000201": (-5, "bank_debit"),
    "0100000202": (3, "counter"),
    "0100000203": (8, "mobile"),
    "0100000204": (15, "cash_collector"),
    "0100000205": (-5, "wechat_pay"),  # a channel the fit never saw
    "0100000206": (4, None),
    "0100000207": (6, "cash_collector"),
}
NO_ROW = "0100000208"


def paying(late: int) -> PayPlan:
    """Every bill paid in full ``late`` days after its due date."""

    def plan(period: dt.date) -> list[tuple[int, float]]:
        return [(late, 1.0)]

    return plan


def channels() -> pa.Table:
    return pa.table(
        {
            "account_no": list(ACCOUNTS),
            CHANNEL: [channel for _late, channel in ACCOUNTS.values()],
        },
        schema=pa.schema([("account_no", pa.string()), (CHANNEL, pa.string())]),
    )


@pytest.fixture
def published(lake: LakeWriter, regions: Regions, manager: User) -> Card:
    """The customers' bills in the lake, and a fitted card with the payment channel
    published through the services (it rates every segment)."""
    for i, (no, (late, _channel)) in enumerate([*ACCOUNTS.items(), (NO_ROW, (0, None))]):
        make_customer(regions.station_a1, no, f"户{i}")
        lake.customer(no, pay=paying(late))
    lake.write()
    services.fitted_publish(
        sample=sample_with_a_channel(),
        note="with the payment channel",
        acting_user=manager,
        candidates=("mean_days_late_12m", CHANNEL),
    )
    model = services.active_model(ModelKind.FITTED)
    assert model is not None
    assert model.card.variables[CHANNEL].is_categorical
    return model.card


def _rated(con: ibis.BaseBackend) -> pd.DataFrame:
    customers, _ids = services.customers_arrow()
    expr = services.rating_expr(
        con=con,
        customers=customers,
        events=services.events_arrow(),
        previous=services.previous_arrow(as_of=AS_OF),
        overrides=services.overrides_arrow(as_of=AS_OF),
        models=services.models_by_segment(),
        as_of=AS_OF,
        extra_indicators=ibis.memtable(channels()),
    )
    frame = con.to_pyarrow(expr).to_pandas()
    return frame.sort_values("account_no").reset_index(drop=True)


def _category_points(card: Card) -> dict[str, float]:
    spec = card.variables[CHANNEL]
    assert spec.categories is not None
    return {c: p for group, p in zip(spec.categories, spec.points, strict=True) for c in group}


def _assert_scored_as_in_python(frame: pd.DataFrame, card: Card) -> None:
    expected = card_score(card.as_json(), frame)
    assert frame["score"].to_numpy() == pytest.approx(expected, abs=1e-9)
    points, missing = _category_points(card), card.variables[CHANNEL].missing
    by_account = dict(zip(frame["account_no"], frame[f"pts_{CHANNEL}"], strict=True))
    for no, (_late, channel) in ACCOUNTS.items():
        want = points.get(channel, missing) if channel is not None else missing
        assert by_account[no] == pytest.approx(want), no
    assert by_account["0100000205"] == pytest.approx(missing)  # unseen
    assert by_account["0100000206"] == pytest.approx(missing)  # null
    assert by_account[NO_ROW] == pytest.approx(missing)  # no row


def test_the_rating_scores_a_categorical_card_as_the_python_scorer(published: Card) -> None:
    frame = _rated(catalog.connect("duckdb"))

    assert len(frame) == len(ACCOUNTS) + 1
    assert frame["mean_days_late_12m"].nunique() > 1
    _assert_scored_as_in_python(frame, published)
    points = _category_points(published)
    # the card tells the channels apart, so the test does too
    assert points["cash_collector"] < points["bank_debit"]


def test_the_batch_stores_reasons_naming_the_category(published: Card, manager: User) -> None:
    services.credit_rate_all(
        as_of=AS_OF, engine="duckdb", acting_user=manager, extra_indicators=channels()
    )

    credit = CustomerCredit.objects.get(customer__account_no="0100000204")
    reasons = {r[0]: r for r in credit.reasons}
    indicator, value, lost = reasons[CHANNEL]
    assert value == "cash_collector"
    spec = published.variables[CHANNEL]
    assert lost == pytest.approx(spec.best - _category_points(published)["cash_collector"], 0.01)
    # a missing channel is reported as null, like a missing number
    unknown = CustomerCredit.objects.get(customer__account_no=NO_ROW)
    missing = [r for r in unknown.reasons if r[0] == CHANNEL]
    assert all(r[1] is None for r in missing)


def test_a_reason_code_writes_the_category_as_json_text(published: Card) -> None:
    spec = published.variables[CHANNEL]
    worst = min(spec.points)
    table = pa.table(
        {
            "segment": ["residential", "residential"],
            "mean_days_late_12m": [2.0, 2.0],
            "pts_mean_days_late_12m": [published.variables["mean_days_late_12m"].best] * 2,
            CHANNEL: ['say "工行"', None],
            f"pts_{CHANNEL}": [worst, worst],
        }
    )
    models = {"residential": ActiveModel(ModelKind.FITTED, 1, published, {}, 1.0)}

    first, second = (json.loads(r) for r in services.reason_codes(table, models))

    assert first == [[CHANNEL, 'say "工行"', pytest.approx(spec.best - worst, abs=0.01)]]
    assert second == [[CHANNEL, None, pytest.approx(spec.best - worst, abs=0.01)]]


def test_the_batch_refuses_a_card_whose_indicator_it_does_not_compute(
    published: Card, manager: User
) -> None:
    with pytest.raises(CreditInvalid) as caught:
        services.credit_rate_all(as_of=AS_OF, engine="duckdb", acting_user=manager)

    assert caught.value.code == "credit.card_indicator_unknown"
    assert CHANNEL in str(caught.value)


def test_a_card_entry_has_splits_or_categories() -> None:
    categorical = {"categories": [["a"], ["b", "c"]], "points": [1.0, 2.0], "missing": 0.5}
    card = Card.of({"intercept": 0.0, "variables": {"x": categorical}})
    assert card.as_json()["variables"]["x"] == categorical
    numeric = {"splits": [1.0], "points": [1.0, 2.0], "missing": 0.0}
    assert "categories" not in Card.of({"variables": {"y": numeric}}).as_json()["variables"]["y"]
    for bad in (
        {"points": [1.0], "missing": 0.0},
        {**categorical, "splits": [1.0]},
        {**categorical, "points": [1.0]},
        {"categories": [["a"], ["a"]], "points": [1.0, 2.0], "missing": 0.0},
    ):
        with pytest.raises(CreditInvalid) as caught:
            Card.of({"variables": {"x": bad}})
        assert caught.value.code == "credit.card_invalid"


@pytest.mark.spark
def test_duckdb_and_spark_score_a_categorical_card_alike(
    published: Card, spark_con: ibis.BaseBackend
) -> None:
    duck = _rated(catalog.connect("duckdb"))
    spark = _rated(spark_con)

    _assert_scored_as_in_python(spark, published)
    columns = ["account_no", "score", f"pts_{CHANNEL}", "pts_mean_days_late_12m", "grade"]
    pd.testing.assert_frame_equal(spark[columns], duck[columns], check_exact=False, atol=1e-9)
    assert np.isfinite(spark["score"].to_numpy()).all()
