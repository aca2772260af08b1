"""A test-only page with two cascading 行政区划 fields (pytest.mark.urls), so the widget can
be exercised in Django's test client and in Chromium without a demo page in the product."""

from django import forms
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from institutions.forms import RegionField
from registry.urls import urlpatterns as site_urlpatterns

PAGE = engines["django"].from_string(
    """{% extends "base_public.html" %}{% load crispy_forms_tags %}
{% block title %}行政区划{% endblock %}
{% block content %}
{% if submitted %}<p id="submitted">{{ submitted }}</p>{% endif %}
<form method="post" class="card card-body" novalidate>{% csrf_token %}{{ form|crispy }}
<div><button type="submit" class="btn btn-primary">提交</button></div></form>
{% endblock %}
{% block scripts %}{{ form.media }}{% endblock %}"""
)


class RegionDemoForm(forms.Form):
    region = RegionField()
    other_region = RegionField(label="第二个行政区划", required=False)


def region_demo(request):
    form = RegionDemoForm(request.POST or None)
    submitted = ""
    if request.method == "POST" and form.is_valid():
        other = form.cleaned_data["other_region"]
        submitted = f"{form.cleaned_data['region'].code} {other.code if other else '-'}"
    return HttpResponse(PAGE.render({"form": form, "submitted": submitted}, request))


urlpatterns = [path("region-demo/", region_demo, name="region_demo"), *site_urlpatterns]
