from django.apps import AppConfig


class CasesetsConfig(AppConfig):
    """附件2 血管内介入 and 附件3 单纯静脉溶栓 cases."""

    name = "casesets"
    verbose_name = "个案登记"

    def ready(self):
        # 提交 asks for the 总表 ↔ case checks (§7.3 items 8–12) through this signal.
        from surveys.reports import submission_warnings

        from .totals import case_warnings_at_submission

        submission_warnings.connect(case_warnings_at_submission, dispatch_uid="casesets.totals")
