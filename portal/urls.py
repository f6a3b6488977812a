from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from portal.accounts.language import language_set
from sandbox.gateway.views import unknown_endpoint

from . import health, views
from .http import shows_secret

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # allauth's pages whose URL carries a one-time key (its own patterns, first so they
    # match first): never cached, and no Referer with the key in it to another site.
    re_path(
        r"^accounts/confirm-email/(?P<key>[-:\w]+)/$",
        shows_secret(allauth_views.confirm_email),
        name="account_confirm_email",
    ),
    re_path(
        r"^accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        shows_secret(allauth_views.password_reset_from_key),
        name="account_reset_password_from_key",
    ),
    path("accounts/", include("allauth.urls")),
    # The language chooser: Django's set_language, which also saves a member's choice.
    path("i18n/setlang/", language_set, name="set_language"),
    path("", include("portal.accounts.urls")),
    path("keys/", include("portal.apikeys.urls")),
    path("docs/", include("portal.docs.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("dashboard/", include("portal.dashboards.urls")),
    path("models/", include("sandbox.registry.urls")),
    path("v1/", include("sandbox.gateway.urls")),
    # usage/ pages, and the Playground (the gateway's own chat, for the signed-in browser)
    path("", include("sandbox.usage.urls")),
    path("playground/", include("sandbox.gateway.playground_urls")),
    # v1/files, v1/fine_tuning and the jobs/ pages
    path("", include("sandbox.finetuning.urls")),
    path("community/", include("community.forums.urls")),
    path("notifications/", include("community.notifications.urls")),
    path("rewards/", include("community.trust.urls")),
    path("rewards/", include("community.rewards.urls")),
    path("rewards/", include("community.badges.urls")),
    path("rewards/store/", include("community.store.urls")),
    path("events/", include("community.events.urls")),
    path("hackathons/", include("community.hackathons.urls")),
    path("showcase/", include("community.showcase.urls")),
    path("recipes/", include("community.recipes.urls")),
    path("ambassadors/", include("community.ambassadors.urls")),
    # Last: OpenAI's 404 for any other URL under /v1/ (and /v1/ itself).
    path("v1/", unknown_endpoint, name="v1-root"),
    path("v1/<anytext:path>", unknown_endpoint, name="v1-unknown"),
]

if settings.MEDIA_SERVE_PUBLIC:
    # Development (`make run`, DEBUG on or off): the public uploads, forum images. Fine-tuning
    # files live under MEDIA_ROOT too and must never be reachable by URL.
    from django.views.static import serve

    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>forums/.+)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
            name="media-public",
        )
    ]
