from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """The project itself (settings, URLs, pages of no chapter): registers its system checks."""

    name = "registry"
    verbose_name = "中国脑血管病登记平台"

    def ready(self):
        from . import checks  # noqa: F401 — registers the checks
