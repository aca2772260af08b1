"""The form renderer: Django's ``TemplatesSetting``, with the stock input, select and textarea
widgets drawn in Python (issue 21).

Django draws each widget through two or three small templates (``input.html`` includes
``attrs.html``; a select includes one ``select_option.html`` per option); at about 0.2 ms a
widget they were a third of a form page's time — the 总表 has 60 fields, a case 15. Here the
same markup is written directly: ``tests/test_form_renderer.py`` renders every drawn widget
both ways and compares them character for character.

A widget template the project (or an app) overrides is never drawn here: only templates that
resolve to Django's own files are, checked once per renderer. Everything else — the
captcha's widget, radio and checkbox lists, file inputs, multi-widgets — goes through its
template as before.
"""

from pathlib import Path

import django
from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

_DJANGO_WIDGETS = Path(django.__file__).parent / "forms" / "templates" / "django" / "forms"
_WIDGETS = "django/forms/widgets/"
INPUT = _WIDGETS + "input.html"
ATTRS = _WIDGETS + "attrs.html"
SELECT = _WIDGETS + "select.html"
OPTION = _WIDGETS + "select_option.html"
TEXTAREA = _WIDGETS + "textarea.html"
# Django's widget templates that only include input.html.
INPUT_TYPES = ("text", "number", "email", "url", "password", "hidden", "date", "datetime",
               "time", "checkbox", "search", "tel", "color")  # fmt: skip


def _shown(value) -> str:
    """``{{ value }}``: localized, then escaped unless already safe."""
    value = localize(value)
    if not isinstance(value, str):
        value = str(value)
    return conditional_escape(value)


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: the filter keeps a safe value safe."""
    if isinstance(value, tuple):
        value = str(value)
    text = "%s" % value  # noqa: UP031 (the filter's own formatting)
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs) -> str:
    """``attrs.html``: in order, ``False`` left out, ``True`` bare."""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget) -> str:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return (
        f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _option(option) -> str:
    return (
        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_shown(option['label'])}</option>"
    )


def _select(widget) -> str | None:
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None  # an option of its own template: drawn by the templates
            # Included with its file's final newline.
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget) -> str:
    value = _shown(widget["value"]) if widget["value"] else ""
    start = f'<textarea name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>'
    return f"{start}\n{value}</textarea>"


class FormRenderer(TemplatesSetting):
    """``FORM_RENDERER``: widget templates looked up in ``TEMPLATES`` (templates/ first, so
    the platform can restyle third-party widgets), the stock ones drawn in Python."""

    @cached_property
    def drawn(self) -> dict:
        """Template name → drawing function, for the templates that are Django's own."""

        def stock(*names):
            return all(
                Path(self.get_template(name).origin.name).is_relative_to(_DJANGO_WIDGETS)
                for name in names
            )

        drawn = {}
        if stock(INPUT, ATTRS):
            for kind in INPUT_TYPES:
                if stock(f"{_WIDGETS}{kind}.html"):
                    drawn[f"{_WIDGETS}{kind}.html"] = _input
            drawn[INPUT] = _input
            if stock(TEXTAREA):
                drawn[TEXTAREA] = _textarea
            if stock(SELECT, OPTION):
                drawn[SELECT] = _select
        return drawn

    def render(self, template_name, context, request=None):
        draw = self.drawn.get(template_name)
        if draw is not None and "widget" in context:
            html = draw(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)
