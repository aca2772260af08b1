from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Institution, Region
from .regions import children_of, region_path, selectable_regions, with_leaf_flag

LEAF_REQUIRED = _("请选择到县（区）一级的行政区划。")


class RegionCascadeWidget(forms.Widget):
    """Three selects (省 / 市 / 县（区）) and a hidden input holding the deepest region
    chosen; RegionField accepts only a leaf, so stopping at a prefecture is refused and the
    form comes back with the province and prefecture still chosen.

    Server-side rendering fills each level's options for the current value, so a bound or
    edited form shows its choice before any script runs; ``static/js/region-cascade.js``
    (the widget's media: put ``{{ form.media }}`` on the page) fetches the options of the
    next level from ``institutions:region_options`` when a select changes. Several widgets
    may share a page.
    """

    template_name = "institutions/widgets/region_cascade.html"
    levels = (
        ("province", _("省（自治区、直辖市）")),
        ("city", _("市（地区、州、盟）")),
        ("county", _("县（区）")),
    )

    class Media:
        js = ["js/region-cascade.js"]

    def id_for_label(self, id_):
        # The label points at the first select; the hidden input holds the value.
        return f"{id_}_province" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["options_url"] = reverse("institutions:region_options")
        attrs = widget["attrs"]
        widget["invalid"] = "is-invalid" in attrs.get("class", "") or "aria-invalid" in attrs
        widget["describedby"] = attrs.get("aria-describedby", "")
        widget["required"] = bool(attrs.get("required"))
        widget["levels"] = self.level_contexts(widget["value"])
        return context

    def level_contexts(self, value):
        """Options, selection and state of the three selects for ``value``."""
        path = self.chosen_path(value)
        contexts = []
        parent_code, enabled, hidden = None, True, False
        for depth, (key, label) in enumerate(self.levels):
            chosen = path[depth] if depth < len(path) else None
            options = list(children_of(parent_code)) if enabled else []
            if chosen is not None and chosen.code not in {option.code for option in options}:
                # A retired value (editing an old record): show it so the user sees what
                # was entered; the field refuses it until a current region is chosen.
                chosen.label = _("%(name)s（已撤销）") % {"name": chosen.name}
                options.append(chosen)
            contexts.append(
                {
                    "key": key,
                    "label": label,
                    "options": options,
                    "selected": chosen.code if chosen else "",
                    "disabled": not enabled,
                    "hidden": hidden,
                }
            )
            # What the next select offers: the chosen region's subdivisions, nothing until
            # a choice is made, or no select at all below a leaf.
            if chosen is None:
                enabled = False
            elif chosen is path[-1] and chosen.is_leaf:
                enabled, hidden = False, True
            else:
                parent_code = chosen.code
        return contexts

    @staticmethod
    def chosen_path(value):
        """The regions from province down to ``value`` (empty when there is none), each
        with ``is_leaf``."""
        if not isinstance(value, str) or not value:
            return []
        region = Region.objects.select_related("parent__parent").filter(code=value).first()
        if region is None:
            return []
        path = region_path(region)
        leaves = dict(
            with_leaf_flag(Region.objects.filter(code__in=[r.code for r in path])).values_list(
                "code", "is_leaf"
            )
        )
        for region in path:
            region.is_leaf = leaves[region.code]
        return path


class RegionField(forms.ModelChoiceField):
    """行政区划 chosen down to a leaf: a county-level region, or a prefecture-level city
    without counties (东莞市). Provinces, prefectures with counties, retired codes and
    regions outside the mainland table are refused with a Chinese message."""

    widget = RegionCascadeWidget
    default_error_messages = {
        "required": LEAF_REQUIRED,
        "invalid_choice": LEAF_REQUIRED,
        "retired": _("所选行政区划已调整撤销，请重新选择到县（区）一级的行政区划。"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("行政区划"))
        kwargs.setdefault("empty_label", None)
        super().__init__(queryset=selectable_regions(), **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if Region.objects.filter(code=str(value)).exclude(retired_in="").exists():
                raise ValidationError(self.error_messages["retired"], code="retired") from error
            raise


class InstitutionSelect(forms.Select):
    """单位名称, listing only the active institutions of the chosen 行政区划 (the form sets
    ``region``); ``static/js/institution-select.js`` reloads it when the region changes."""

    template_name = "institutions/widgets/institution_select.html"
    region = None

    class Media:
        js = ["js/institution-select.js"]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["options_url"] = reverse("institutions:institution_options")
        widget["invalid"] = "is-invalid" in widget["attrs"].get("class", "")
        widget["institutions"] = (
            Institution.objects.filter(status=Institution.Status.ACTIVE, region=self.region)
            if self.region
            else []
        )
        widget["selected"] = str(value or "")
        return context


class InstitutionChoiceField(forms.ModelChoiceField):
    """An active institution, chosen by its public id."""

    widget = InstitutionSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("单位名称"))
        kwargs.setdefault("to_field_name", "public_id")
        kwargs.setdefault("error_messages", {"invalid_choice": _("请从列表中选择单位。")})
        super().__init__(
            queryset=Institution.objects.filter(status=Institution.Status.ACTIVE), **kwargs
        )
