from django.urls import path

from gridcrm.credit import views

app_name = "credit"
urlpatterns = [
    path("", views.credit_overview, name="overview"),
    path("batch/", views.credit_batch_start, name="batch_start"),
    path("models/", views.credit_models, name="models"),
    path("models/expert/", views.expert_publish, name="expert_publish"),
    path("models/cutoffs/", views.fitted_cutoffs, name="fitted_cutoffs"),
    path("models/segments/", views.segment_models, name="segment_models"),
    path("policies/", views.credit_policies, name="policies"),
    path("customers/<str:account_no>/", views.customer_panel, name="customer_panel"),
    path("customers/<str:account_no>/override/", views.override_request, name="override_request"),
    path("customers/<str:account_no>/review/", views.review_submit, name="review_submit"),
    path("customers/<str:account_no>/event/", views.event_record, name="event_record"),
    path("overrides/<int:override_id>/", views.override_decide, name="override_decide"),
    path("reviews/<int:review_id>/", views.review_answer, name="review_answer"),
    path("events/<int:event_id>/rectified/", views.hazard_rectified, name="hazard_rectified"),
]
