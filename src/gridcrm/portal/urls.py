from django.urls import path

from gridcrm.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("bind/", views.bind, name="bind"),
    path("bindings/<int:pk>/unbind/", views.staff_unbind, name="staff_unbind"),
    path("a/<str:account_no>/", views.account, name="account"),
    path("a/<str:account_no>/unbind/", views.unbind, name="unbind"),
    path("a/<str:account_no>/usage/", views.usage, name="usage"),
    path("a/<str:account_no>/bills/", views.bills, name="bills"),
    path("a/<str:account_no>/notices/", views.notices, name="notices"),
    path("a/<str:account_no>/notices/<int:pk>/", views.notice, name="notice"),
    path("a/<str:account_no>/policies/", views.policies, name="policies"),
    path("a/<str:account_no>/requests/", views.requests, name="requests"),
    path("a/<str:account_no>/requests/new/", views.request_new, name="request_new"),
    path("a/<str:account_no>/requests/<int:pk>/", views.request_detail, name="request"),
    path("a/<str:account_no>/data/", views.own_data, name="data"),
    path("a/<str:account_no>/preferences/", views.preferences, name="preferences"),
    path("a/<str:account_no>/data/export/", views.own_data_export, name="data_export"),
]
