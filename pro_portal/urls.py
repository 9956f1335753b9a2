from django.urls import include, path

from pro_portal import views
from pro_portal.admin import site as admin_site
from scoring.views import clinician as scoring_views

urlpatterns = [
    path("", scoring_views.home, name="home"),
    path("", include("scoring.urls")),
    path("content/", include("scoring.content_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin_site.urls),
    path("", include("questionnaires.urls")),
]
