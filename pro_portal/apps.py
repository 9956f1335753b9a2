from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProPortalConfig(AppConfig):
    name = "pro_portal"
    verbose_name = _("PRO Portal")

    def ready(self) -> None:
        from pro_portal import checks  # noqa: F401 - registers the system checks
