from django.urls import path

from gridcrm.load import views

app_name = "load"
urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/solve/", views.plan_solve, name="plan_solve"),
    path("plans/<int:plan_id>/member/", views.plan_member, name="plan_member"),
    path("plans/<int:plan_id>/publish/", views.plan_publish, name="plan_publish"),
    path("plans/<int:plan_id>/check/", views.plan_check, name="plan_check"),
    path("composition/", views.composition, name="composition"),
    path("tou/", views.tou_page, name="tou"),
    path("customers/<str:account_no>/", views.customer_panel, name="customer_panel"),
    path("customers/<str:account_no>/profile/", views.profile_edit, name="profile_edit"),
]
