from django.contrib.auth import views as auth_views
from django.urls import path

from institutions.registration_views import activate

from .views import (
    dev,
    login,
    profile,
    recovery,
    registration,
    second_factor,
    sms,
    verification,
)

app_name = "accounts"

urlpatterns = [
    path("login/", login.LoginView.as_view(), name="login"),
    path("login/verify/", second_factor.login_verify, name="login_verify"),
    path("otp/", second_factor.otp, name="otp"),
    path("otp/qr.svg", second_factor.otp_qr, name="otp_qr"),
    path("sms/send/", sms.send_sms_code, name="send_sms_code"),
    path("register/", registration.register, name="register"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", profile.profile, name="profile"),
    path("profile/password/", profile.PasswordChangeView.as_view(), name="password_change"),
    path("profile/mobile/", profile.mobile_change, name="mobile_change"),
    path("profile/sign-out-everywhere/", profile.sign_out_everywhere, name="sign_out_everywhere"),
    path("lookup/", recovery.lookup, name="lookup"),
    path("lookup/reset/", recovery.lookup_reset, name="lookup_reset"),
    path("password/reset/", recovery.password_reset, name="password_reset"),
    path("password/reset/verify/", recovery.password_reset_verify, name="password_reset_verify"),
    path("password/reset/new/", recovery.password_reset_set, name="password_reset_set"),
    path("verification/", verification.verification, name="verification"),
    path(
        "verification/<uuid:public_id>/licence/",
        verification.verification_photo,
        name="verification_photo",
    ),
    path("dev/sms/", dev.sms_outbox, name="sms_outbox"),
    # 账号激活 lives with 单位注册 in institutions (STYLE's layout).
    path("activate/", activate, name="activate"),
]
