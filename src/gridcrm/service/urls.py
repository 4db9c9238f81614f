from django.urls import path

from gridcrm.service import calendar_views, satisfaction_views, views

app_name = "service"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("take-next/", views.take_next, name="take_next"),
    path("new/", views.request_new, name="request_new"),
    path("new/customer/", views.request_new_customer, name="request_new_customer"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/take/", views.request_take_view, name="request_take"),
    path("<int:pk>/release/", views.request_release_view, name="request_release"),
    path("<int:pk>/step/", views.request_step_view, name="request_step"),
    path("<int:pk>/note/", views.request_note_view, name="request_note"),
    path("<int:pk>/cancel/", views.request_cancel_view, name="request_cancel"),
    path("<int:pk>/attach/", views.request_attach_view, name="request_attach"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("notices/", views.notice_list, name="notices"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/publish/", views.notice_publish_view, name="notice_publish"),
    path("notices/<int:pk>/withdraw/", views.notice_withdraw_view, name="notice_withdraw"),
    path("matrix/", views.matrix, name="matrix"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("timers/", views.timers_run, name="timers_run"),
    path("breaches/", views.breaches, name="breaches"),
    path("satisfaction/", satisfaction_views.satisfaction, name="satisfaction"),
    path("grace/", views.grace_list, name="grace"),
    path("grace/<int:pk>/<str:decision>/", views.grace_decide, name="grace_decide"),
    path("customers/<str:account_no>/grace/", views.grace_new, name="grace_new"),
    path(
        "customers/<str:account_no>/channels/",
        views.customer_channels_set,
        name="customer_channels",
    ),
]
