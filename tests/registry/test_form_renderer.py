"""registry.form_renderer draws Django's stock widgets in Python: the markup must be exactly
what Django's templates write, and a widget template the project overrides must still be
used."""

import datetime

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.test import override_settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from registry.form_renderer import FormRenderer

NASTY = "a<b>&\"c'd"

CHOICES = [("", "未填"), ("1", gettext_lazy("是")), ("0", "否"), (NASTY, NASTY), (3, 3)]
GROUPED = [("甲", [("a", "A"), ("b", NASTY)]), ("乙", [("c", "C")]), ("d", "D")]

CASES = [
    (forms.TextInput(), "f", None, None),
    (forms.TextInput(), "f", "", None),
    (forms.TextInput(), "f", NASTY, {"id": "id_f", "required": True, "disabled": False}),
    (forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"}), "n", 12, None),
    (forms.TextInput(), "safe", mark_safe("<i>x</i>"), {"data-x": mark_safe("<b>")}),
    (forms.TextInput(), "tuple", None, {"data-t": (1, 2)}),
    (forms.NumberInput(), "n", 3.5, {"min": 0, "max": 10, "step": "any"}),
    (forms.EmailInput(), "e", "a@b.cn", {"maxlength": 254}),
    (forms.URLInput(), "u", "https://x.cn/?a=1&b=2", None),
    (forms.PasswordInput(), "p", "secret", {"autocomplete": "new-password"}),
    (forms.PasswordInput(render_value=True), "p", "secret", None),
    (forms.HiddenInput(), "h", "v", None),
    (forms.DateInput(), "d", datetime.date(2025, 3, 1), None),
    (
        forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        "d",
        datetime.date(2025, 3, 1),
        None,
    ),
    (forms.DateTimeInput(), "dt", datetime.datetime(2025, 3, 1, 8, 5), None),
    (forms.TimeInput(), "t", datetime.time(8, 5), None),
    (forms.CheckboxInput(), "c", True, {"class": "form-check-input"}),
    (forms.CheckboxInput(), "c", False, None),
    (forms.Textarea(), "ta", None, None),
    (forms.Textarea(), "ta", "", None),
    (forms.Textarea(), "ta", f"第一行\n{NASTY}", {"rows": 3}),
    (forms.Select(choices=CHOICES), "s", None, None),
    (forms.Select(choices=CHOICES), "s", "1", {"class": "form-select", "id": "id_s"}),
    (forms.Select(choices=CHOICES), "s", NASTY, None),
    (forms.Select(choices=CHOICES), "s", 3, None),
    (forms.Select(choices=GROUPED), "g", "b", None),
    (forms.SelectMultiple(choices=CHOICES), "m", ["1", "0"], None),
    (forms.NullBooleanSelect(), "nb", None, None),
    (forms.NullBooleanSelect(), "nb", True, None),
]


@pytest.mark.parametrize(("widget", "name", "value", "attrs"), CASES)
def test_drawn_widgets_match_djangos_templates(widget, name, value, attrs):
    drawn = widget.render(name, value, attrs, renderer=FormRenderer())
    templated = widget.render(name, value, attrs, renderer=TemplatesSetting())
    assert drawn == templated


def test_the_stock_widgets_are_drawn_and_others_use_their_templates():
    drawn = FormRenderer().drawn
    for name in ("text", "number", "email", "date", "checkbox", "select", "textarea"):
        assert f"django/forms/widgets/{name}.html" in drawn
    # Lists of radios or checkboxes, file inputs and the captcha go through their templates.
    for name in ("radio", "checkbox_select", "clearable_file_input", "multiwidget"):
        assert f"django/forms/widgets/{name}.html" not in drawn


def test_an_overridden_widget_template_is_used(tmp_path, settings):
    folder = tmp_path / "django" / "forms" / "widgets"
    folder.mkdir(parents=True)
    (folder / "select_option.html").write_text("<option>自定义</option>")
    templates = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    with override_settings(TEMPLATES=templates):
        renderer = FormRenderer()
        assert "django/forms/widgets/select.html" not in renderer.drawn
        assert "django/forms/widgets/text.html" in renderer.drawn
        html = forms.Select(choices=CHOICES).render("s", "1", renderer=renderer)
    assert "自定义" in html


def test_forms_use_it(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "registry.form_renderer.FormRenderer"
    assert isinstance(get_default_renderer(), FormRenderer)
