"""``/healthz`` and ``/metrics``, at the root where load balancers and Prometheus look."""

from django.urls import path

from gridcrm.ops import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
]
