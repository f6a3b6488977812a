from django.urls import path

from . import api, views

app_name = "finetuning"

urlpatterns = [
    # OpenAI-compatible API
    path("v1/files", api.FileListCreateApi.as_view(), name="api_files"),
    path("v1/files/<str:file_id>", api.FileDetailApi.as_view(), name="api_file"),
    path("v1/files/<str:file_id>/content", api.FileContentApi.as_view(), name="api_file_content"),
    path("v1/fine_tuning/jobs", api.JobListCreateApi.as_view(), name="api_jobs"),
    path("v1/fine_tuning/jobs/<str:job_id>", api.JobDetailApi.as_view(), name="api_job"),
    path("v1/fine_tuning/jobs/<str:job_id>/cancel", api.JobCancelApi.as_view(), name="api_job_cancel"),
    path("v1/fine_tuning/jobs/<str:job_id>/events", api.JobEventsApi.as_view(), name="api_job_events"),
    path("v1/fine_tuning/jobs/<str:job_id>/checkpoints", api.JobCheckpointsApi.as_view(), name="api_job_checkpoints"),
    # Browser pages
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/new/", views.job_create, name="job_create"),
    path("jobs/new/estimate/", views.job_estimate, name="job_estimate"),
    path("jobs/webhooks/", views.webhook_settings, name="webhook_settings"),
    path("jobs/<str:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<str:job_id>/metrics.json", views.job_metrics, name="job_metrics"),
    path("jobs/<str:job_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("files/", views.file_list, name="file_list"),
]
