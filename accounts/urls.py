from django.contrib.auth import views as auth_views
from django.urls import path

from .forms.login import LoginForm
from .views import dev, profile

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", profile.profile, name="profile"),
    path("profile/password/", profile.PasswordChangeView.as_view(), name="password_change"),
    path("dev/sms/", dev.sms_outbox, name="sms_outbox"),
]
