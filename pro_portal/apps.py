from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProPortalConfig(AppConfig):
    name = "pro_portal"
    verbose_name = _("PRO Portal")

    def ready(self) -> None:
        from pro_portal import (  # noqa: F401 - importing registers them
            auth,  # the audit log's receivers of log-in, log-out and lock-out signals
            checks,  # the system checks
        )
