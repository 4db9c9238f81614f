"""Writes of the credit app, by concern:

- ``scorecards``: which model rates each segment; publishing expert, re-cut and fitted
  scorecards;
- ``sources``: what the rating reads (archive, credit events, current grades, overrides,
  the lake's tables);
- ``rating``: the rating batch, as a job or at once, and its bulk write;
- ``reasons``: the reason codes of each rated customer;
- ``casework``: credit events and rectified hazards, overrides (four eyes), reviews;
- ``policies``: the credit policies' rule rows and their published versions.

Every change writes its audit event (``gridcrm.credit.events``) in its transaction. The
names below stay importable from ``gridcrm.credit.services``.
"""

from gridcrm.credit.services.casework import (
    EVENT_DEFAULTS,
    REVIEW_DAYS,
    credit_event_record,
    hazard_rectified,
    override_decide,
    override_request,
    review_request_answer,
    review_request_submit,
)
from gridcrm.credit.services.policies import (
    DEFAULT_POLICY,
    POLICY_FIELDS,
    WATCH_ACTIONS,
    PolicyRow,
    policy_publish,
    policy_rows_check,
)
from gridcrm.credit.services.rating import (
    CREDIT_RATING,
    RatingResult,
    credit_batch_start,
    credit_rate_all,
    rating_expr,
    run_credit_rating_job,
)
from gridcrm.credit.services.reasons import reason_codes
from gridcrm.credit.services.scorecards import (
    ActiveModel,
    FitFailed,
    active_model,
    cutoffs_check,
    cutoffs_publish,
    default_expert,
    expert_publish,
    fitted_publish,
    models_by_segment,
    segment_model_set,
    training_sample,
)
from gridcrm.credit.services.sources import (
    CUSTOMER_SCHEMA,
    EVENT_SCHEMA,
    PREVIOUS_SCHEMA,
    customers_arrow,
    events_arrow,
    lake_tables,
    overrides_arrow,
    previous_arrow,
)

__all__ = [
    "CREDIT_RATING",
    "CUSTOMER_SCHEMA",
    "DEFAULT_POLICY",
    "EVENT_DEFAULTS",
    "EVENT_SCHEMA",
    "POLICY_FIELDS",
    "PREVIOUS_SCHEMA",
    "REVIEW_DAYS",
    "WATCH_ACTIONS",
    "ActiveModel",
    "FitFailed",
    "PolicyRow",
    "RatingResult",
    "active_model",
    "credit_batch_start",
    "credit_event_record",
    "credit_rate_all",
    "customers_arrow",
    "cutoffs_check",
    "cutoffs_publish",
    "default_expert",
    "events_arrow",
    "expert_publish",
    "fitted_publish",
    "hazard_rectified",
    "lake_tables",
    "models_by_segment",
    "overrides_arrow",
    "override_decide",
    "override_request",
    "policy_publish",
    "policy_rows_check",
    "previous_arrow",
    "rating_expr",
    "reason_codes",
    "review_request_answer",
    "review_request_submit",
    "run_credit_rating_job",
    "segment_model_set",
    "training_sample",
]
