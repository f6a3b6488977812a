from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from sandbox.gateway.views import unknown_endpoint

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("portal.accounts.urls")),
    path("keys/", include("portal.apikeys.urls")),
    path("docs/", include("portal.docs.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("dashboard/", include("portal.dashboards.urls")),
    path("models/", include("sandbox.registry.urls")),
    path("v1/", include("sandbox.gateway.urls")),
    # usage/ and playground/ pages
    path("", include("sandbox.usage.urls")),
    # v1/files, v1/fine_tuning and the jobs/ pages
    path("", include("sandbox.finetuning.urls")),
    path("community/", include("community.forums.urls")),
    path("notifications/", include("community.notifications.urls")),
    # Last: OpenAI's 404 for any other URL under /v1/.
    path("v1/<path:path>", unknown_endpoint, name="v1-unknown"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
