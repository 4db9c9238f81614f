from django.urls import path

from gridcrm.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("<int:job_id>/", views.job_detail, name="job_detail"),
    path("<int:job_id>/progress/", views.job_progress_fragment, name="job_progress"),
    path("<int:job_id>/download/", views.job_download, name="job_download"),
    path("purge/", views.purge_start, name="purge_start"),
    path("<int:job_id>/rerun/", views.job_rerun_view, name="job_rerun"),
    path("<int:job_id>/cancel/", views.job_cancel_view, name="job_cancel"),
]
