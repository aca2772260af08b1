from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    """行政区划, 医疗机构, 单位注册, 账号激活."""

    name = "institutions"
    verbose_name = "医疗机构"
