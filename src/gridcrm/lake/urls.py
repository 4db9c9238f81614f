from django.urls import path

from gridcrm.lake import views

app_name = "lake"
urlpatterns = [
    path("", views.lake_overview, name="overview"),
    path("imports/", views.lake_import_upload, name="import_upload"),
    path("imports/<int:import_id>/", views.lake_import_detail, name="import_detail"),
    path("imports/<int:import_id>/rejects/", views.lake_import_rejects, name="import_rejects"),
    path("pipelines/", views.lake_pipelines_start, name="pipelines_start"),
    path("customers/<str:account_no>/load/", views.customer_load, name="customer_load"),
]
