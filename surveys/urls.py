from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.home, name="home"),
    path("basic-info/", views.basic_info, name="basic_info"),
    path("basic-info/history/", views.basic_info_history, name="basic_info_history"),
]
