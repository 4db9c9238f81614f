from django.urls import path

from gridcrm.archive import views
from gridcrm.archive.imports import views as import_views

app_name = "archive"
urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("export/", views.customer_export, name="customer_export"),
    path("import/", import_views.customer_import, name="customer_import"),
    path("import/<int:job_id>/", import_views.import_detail, name="import_detail"),
    path("worklist/", views.worklist, name="worklist"),
    path("completeness/", views.completeness, name="completeness"),
    path("changes/", views.change_request_list, name="change_requests"),
    path("rules/", views.rules, name="rules"),
    path("credit-lists/", views.credit_lists, name="credit_lists"),
    path(
        "changes/<int:pk>/evidence/",
        views.change_request_evidence,
        name="change_request_evidence",
    ),
    path(
        "changes/<int:pk>/<str:decision>/",
        views.change_request_decide,
        name="change_request_decide",
    ),
    path("<str:account_no>/", views.customer_detail, name="customer_detail"),
    path("<str:account_no>/contact/", views.customer_contact, name="customer_contact"),
    path("<str:account_no>/timeline/", views.customer_timeline_panel, name="customer_timeline"),
    path("<str:account_no>/edit/<str:category>/", views.customer_edit, name="customer_edit"),
    path("<str:account_no>/change/", views.change_request_new, name="change_request_new"),
    path("<str:account_no>/segment/", views.customer_segment, name="customer_segment"),
    path("<str:account_no>/fill/", views.worklist_fill, name="worklist_fill"),
]
