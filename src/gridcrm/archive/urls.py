from django.urls import path

from gridcrm.archive import views

app_name = "archive"
urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("export/", views.customer_export, name="customer_export"),
    path("<str:account_no>/", views.customer_detail, name="customer_detail"),
    path("<str:account_no>/contact/", views.customer_contact, name="customer_contact"),
]
