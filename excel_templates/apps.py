from django.apps import AppConfig


class ExcelTemplatesConfig(AppConfig):
    """Excel templates generated from the declarations, and their import."""

    name = "excel_templates"
    verbose_name = "Excel 模板"
