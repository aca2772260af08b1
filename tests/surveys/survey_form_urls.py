"""Test-only URLconf: the 总表 partial inside base.html, for the Chromium screenshot.

The report pages will own the real view; this one only shows the partial as users will see it.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from registry.urls import urlpatterns as project_urlpatterns
from surveys.editions import CURRENT_EDITION
from surveys.forms.survey import SurveyForm

PAGE = engines["django"].from_string(
    """{% extends "base.html" %}{% load i18n %}
{% block title %}{% translate "总表" %}{% endblock %}
{% block content %}
<h1 class="page-title">{{ edition.title }}</h1>
{% if saved %}
<div class="alert alert-success" id="survey-saved">{% translate "已保存。" %}</div>
{% endif %}
<form method="post" novalidate>
  {% csrf_token %}
  {% include "surveys/includes/survey_form.html" %}
  <button type="submit" class="btn btn-primary">{% translate "保存" %}</button>
</form>
{% endblock %}"""
)


@login_required
def survey_form_page(request):
    form = SurveyForm(CURRENT_EDITION, data=request.POST if request.method == "POST" else None)
    saved = request.method == "POST" and form.is_valid()
    context = {"form": form, "edition": CURRENT_EDITION, "saved": saved}
    return HttpResponse(PAGE.render(context, request))


urlpatterns = [path("survey-form/", survey_form_page), *project_urlpatterns]
