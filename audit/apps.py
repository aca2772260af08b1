from django.apps import AppConfig


class AuditConfig(AppConfig):
    """审计日志: an append-only record of security events (checklist 9.1–9.5)."""

    name = "audit"
    verbose_name = "审计日志"

    def ready(self):
        from . import signals

        signals.connect()
