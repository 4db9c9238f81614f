from django.urls import path

from gridcrm.keyaccounts import views

app_name = "keyaccounts"
urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("nominate/", views.nominate, name="nominate"),
    path("board/", views.board, name="board"),
    path("reports/", views.report_list, name="reports"),
    path("overview/", views.reports_overview, name="overview"),
    path("messages/", views.messages_list, name="messages"),
    path("feedback/", views.feedback_list, name="feedback"),
    path("feedback/<int:request_id>/", views.feedback_record, name="feedback_record"),
    path("a/<str:account_no>/assign/", views.assign, name="assign"),
    path("a/<str:account_no>/fast/", views.fast_request, name="fast_request"),
    path("a/<str:account_no>/", views.account_detail, name="account"),
    path("a/<str:account_no>/visit/", views.visit_new, name="visit_new"),
    path("a/<str:account_no>/report/", views.report_new, name="report_new"),
    path("a/<str:account_no>/latent/", views.latent_add, name="latent_add"),
    path("needs/<int:need_id>/screen/", views.need_screen, name="need_screen"),
    path("needs/<int:need_id>/move/", views.need_move, name="need_move"),
    path("customers/<str:account_no>/panel/", views.customer_panel, name="customer_panel"),
]
