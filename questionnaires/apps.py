from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "questionnaires"
    verbose_name = _("Questionnaires")

    def ready(self) -> None:
        from pro_portal.demo import DEMO_STEPS
        from questionnaires.demo import demo_questionnaires

        if demo_questionnaires not in DEMO_STEPS:
            DEMO_STEPS.append(demo_questionnaires)
