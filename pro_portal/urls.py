from django.urls import include, path

from pro_portal import views
from pro_portal.admin import site as admin_site

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("patients/<str:patient_id>/", views.patient_detail, name="patient_detail"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin_site.urls),
    path("", include("questionnaires.urls")),
]
