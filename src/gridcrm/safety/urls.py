from django.urls import path

from gridcrm.safety import views

app_name = "safety"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("inspect/<str:account_no>/", views.inspect, name="inspect"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard"),
    path("hazards/<int:pk>/report/", views.hazard_report, name="hazard_report"),
    path("hazards/<int:pk>/reinspect/", views.hazard_reinspect, name="hazard_reinspect"),
]
