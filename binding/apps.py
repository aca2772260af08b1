from django.apps import AppConfig


class BindingConfig(AppConfig):
    """Legacy records of the old platform and 绑定/解绑."""

    name = "binding"
    verbose_name = "绑定既往数据"
