from django.apps import AppConfig


class CasesetsConfig(AppConfig):
    """附件2 血管内介入 and 附件3 单纯静脉溶栓 cases."""

    name = "casesets"
    verbose_name = "个案登记"

    def ready(self):
        # The tabs 单纯静脉溶栓个案登记 and 血管内介入治疗个案登记 of 查看详情, after 总表.
        from .views import register_tabs

        register_tabs()
