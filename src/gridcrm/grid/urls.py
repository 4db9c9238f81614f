from django.urls import path

from gridcrm.grid import views

app_name = "grid"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("important/", views.important, name="important"),
    path("safety/", views.safety, name="safety"),
    path("feeders/<str:code>/", views.feeder_detail, name="feeder"),
    path("impact/<str:element>/<str:code>/", views.impact, name="impact"),
    path("customers/<str:account_no>/panel/", views.customer_panel, name="customer_panel"),
    path("import/", views.import_upload, name="import"),
    path("outages/new/", views.outage_new, name="outage_new"),
]
