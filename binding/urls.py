from django.urls import path

from . import views

app_name = "binding"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("records/<uuid:public_id>/bind/", views.bind, name="bind"),
    path("records/<uuid:public_id>/unbind/", views.unbind, name="unbind"),
    path("applications/<uuid:public_id>/", views.application, name="application"),
    path("reminder/dismiss/", views.dismiss, name="dismiss_reminder"),
]
