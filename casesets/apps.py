from django.apps import AppConfig


class CasesetsConfig(AppConfig):
    """附件2 血管内介入 and 附件3 单纯静脉溶栓 cases."""

    name = "casesets"
    verbose_name = "个案登记"
