from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from scoring import services, tasks

        # Each submit enqueues its summary PDF once the transaction commits.
        if tasks.enqueue_summary_pdf not in services.AFTER_SUBMIT_HOOKS:
            services.AFTER_SUBMIT_HOOKS.append(tasks.enqueue_summary_pdf)
