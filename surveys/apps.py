from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """基本信息, annual reports, the 总表 edition, 附件4, states and the reporting window."""

    name = "surveys"
    verbose_name = "脑血管病登记"
