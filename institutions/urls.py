from django.urls import path

from . import views

app_name = "institutions"

urlpatterns = [
    path("<uuid:public_id>/", views.institution_detail, name="detail"),
    path("regions/options/", views.region_options, name="region_options"),
    path("options/", views.institution_options, name="institution_options"),
]
