from django.urls import path

from . import member_views, registration_views, views

app_name = "institutions"

urlpatterns = [
    path("<uuid:public_id>/", views.institution_detail, name="detail"),
    path("regions/options/", views.region_options, name="region_options"),
    path("options/", views.institution_options, name="institution_options"),
    # 单位注册: the applicant's session, never the number alone, opens an application.
    path("register/", registration_views.register, name="register"),
    path("register/resume/", registration_views.resume, name="resume"),
    path("register/<str:number>/", registration_views.application_detail, name="application"),
    path(
        "register/<str:number>/edit/",
        registration_views.application_edit,
        name="application_edit",
    ),
    path(
        "register/<str:number>/print/",
        registration_views.application_print,
        name="application_print",
    ),
    path(
        "register/<str:number>/upload/<slug:kind>/",
        registration_views.application_upload,
        name="application_upload",
    ),
    path(
        "register/<str:number>/files/<slug:kind>/",
        registration_views.application_file,
        name="application_file",
    ),
    path(
        "register/<str:number>/submit/",
        registration_views.application_submit,
        name="application_submit",
    ),
    # 本单位用户 (institution admins).
    path("users/", member_views.member_list, name="users"),
    path("users/<str:username>/active/", member_views.member_set_active, name="user_set_active"),
]
