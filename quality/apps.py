from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("质控反馈")

    def ready(self):
        # Derived data kept in step with reports and cases, which may not call up here
        # (quality/receivers.py says which saves trigger a recomputation).
        from .receivers import connect

        connect()
