from django.urls import path

from gridcrm.billing import views

app_name = "billing"
urlpatterns = [
    path("customers/<str:account_no>/", views.customer_panel, name="customer_panel"),
]
