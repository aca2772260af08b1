"""Settings for 中国脑血管病登记平台.

Everything that differs between a laptop and production is read here, once, from the
environment (django-environ). The defaults run the platform for development on SQLite;
``DEBUG=false`` switches to production mode, which refuses to start without the secrets
and hosts it needs. The README lists every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# An optional `.env` file next to manage.py, for operators who prefer a file to exports.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
PRODUCTION = not DEBUG

# Development only: refused below when DEBUG=false (bandit B105 is expected here).
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdefghij"  # nosec B105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured("生产模式 (DEBUG=false) 必须设置 SECRET_KEY 环境变量。")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("生产模式 (DEBUG=false) 必须设置 ALLOWED_HOSTS 环境变量。")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "captcha",
    "accounts.apps.AxesConfig",  # django-axes, named in Chinese
    "simple_history",
    "accounts",
    "institutions",
    "surveys",
    "casesets",
    "binding",
    "excel_templates",
    # Issue 23: 质控反馈 (indicators, benchmarks, 质控报告, 数据概览).
    "quality",
    # Issue 9 item 6: the append-only security audit log (审计日志).
    "audit",
    # The project's own system checks (registry/checks.py).
    "registry.apps.RegistryConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Issue 19 item 7: 400 for NUL (or a lone surrogate) in the path, a query string, a
    # form field or a cookie, before the session store or any view can meet it.
    "registry.input_guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Issue 9 item 6: remembers the request for audit.record() and records 403s.
    "audit.middleware.AuditMiddleware",
    # Issue 21 item 2: statement_timeout for browsing requests; its page when one fires.
    "registry.query_timeout.StatementTimeoutMiddleware",
    # Last, as django-axes asks: turns a lockout into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "registry.urls"
# Widget templates are looked up in templates/ first, so the platform can restyle widgets
# of third-party apps (the captcha) without forking them; Django's stock input, select and
# textarea widgets are drawn in Python with the same markup (issue 21).
FORM_RENDERER = "registry.form_renderer.FormRenderer"
WSGI_APPLICATION = "registry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "registry.context_processors.menu",
            ],
        },
    },
]

# Database: SQLite under var/ by default; DATABASE_URL (postgres://…) for PostgreSQL.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'registry.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite: a transaction takes the write lock when it begins, so two writers queue
    # (up to ``timeout`` seconds) instead of one failing with "database is locked" when
    # both try to upgrade a read lock (e.g. two imports into one report).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Tests on a file, not SQLite's shared in-memory database, whose table locks ignore
    # the timeout (the concurrent-import test runs two connections at once).
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", str(VAR_DIR / "test_registry.sqlite3")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Issue 21 item 2: PostgreSQL's statement_timeout for the GET (and HEAD) requests under these
# paths — the admin's lists and the hospital pages — so that no query a person can start by
# browsing runs unbounded (registry/query_timeout.py; a cancelled query shows "查询超时…",
# 503). Not in the connection's OPTIONS: migrations, commands and imports (POST) are never
# cancelled. 0 turns it off.
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=5000)
DB_STATEMENT_TIMEOUT_PATHS = env.list(
    "DB_STATEMENT_TIMEOUT_PATHS", default=["/admin/", "/registry/"]
)
# How many rows an admin list counts and pages through (registry/admin_lists.py).
ADMIN_LIST_MAX_ROWS = env.int("ADMIN_LIST_MAX_ROWS", default=10_000)

# Cache: shared by every gunicorn worker on every application server so that the rate limits
# hold across them (a process-local cache fails `check --deploy`, registry.E003). The
# database cache needs no extra service; Redis is used when REDIS_URL is set.
if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            # Django's RedisCache, without a new client object per call.
            "BACKEND": "registry.redis_cache.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }
    # Sessions are read from Redis and written through to the database (issue 21: the
    # session query was one of every page's; a Redis restart still signs nobody out).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "registry_cache",
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Refuses every sign-in of a locked-out username or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the account's institution read in the same query.
    "accounts.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "welcome"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Every page is in Chinese whatever the browser asks for: there is no LocaleMiddleware
# until a second locale is translated (all strings already go through gettext).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files: outside the web root, served only through views that check the owner.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# No URL pattern serves MEDIA_URL: uploads are sent only by views that check the owner.
MEDIA_URL = "/media/"

# Uploads go to MEDIA_ROOT on disk, or to an S3-compatible object store (MinIO, a domestic
# cloud's OSS/COS with an S3 endpoint) when MEDIA_S3_BUCKET is set; needs `pip install '.[s3]'`.
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("MEDIA_S3_ACCESS_KEY", default=""),
            "secret_key": env.str("MEDIA_S3_SECRET_KEY", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        # Hashed, compressed files in production; plain files in development and tests,
        # which then need no collectstatic run.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# SMS: a backend class, like Django's EMAIL_BACKEND. Development writes one file per message
# into SMS_FILE_PATH, listed at /accounts/dev/sms/ (DEBUG only) so that every flow can be
# tried without a phone; tests use the in-memory backend. Production names its provider
# explicitly (accounts.sms.backends.aliyun.SmsBackend) and refuses to start without one.
SMS_BACKEND = env.str(
    "SMS_BACKEND", default="accounts.sms.backends.filebased.SmsBackend" if DEBUG else ""
)
if PRODUCTION and not SMS_BACKEND:
    raise ImproperlyConfigured("生产模式 (DEBUG=false) 必须设置 SMS_BACKEND 环境变量。")
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms")))
# One-time codes: lifetime, wrong tries before a code is burnt, and sending limits (the
# daily caps count per Asia/Shanghai calendar day).
SMS_CODE_TTL_SECONDS = env.int("SMS_CODE_TTL_SECONDS", default=300)
SMS_CODE_MAX_ATTEMPTS = env.int("SMS_CODE_MAX_ATTEMPTS", default=5)
SMS_RESEND_SECONDS = env.int("SMS_RESEND_SECONDS", default=60)
# Two budgets per mobile (accounts/sms/codes.py, SECURITY.md "SMS sending limits"): codes
# anyone can ask for (忘记密码, 账号查询, 手机号登录, 注册, 激活, 更换手机号) and 登录验证 codes,
# which only the password holder causes. Each has its own caps and 60 s pacing, so a
# stranger's requests never use up, or hold back, the owner's sign-in.
SMS_DAILY_LIMIT_PER_MOBILE = env.int("SMS_DAILY_LIMIT_PER_MOBILE", default=5)
SMS_SIGN_IN_DAILY_LIMIT_PER_MOBILE = env.int("SMS_SIGN_IN_DAILY_LIMIT_PER_MOBILE", default=10)
# Per address, sized for a hospital (or a city's health network) whose hundreds of clerks
# share one NAT address in the February–March rush; each needs about one code a week once
# its browser is remembered (SECURITY.md, "SMS sending limits"). The burst cap (codes per
# address in a sliding window) keeps a script from spending the day's allowance at once.
SMS_DAILY_LIMIT_PER_IP = env.int("SMS_DAILY_LIMIT_PER_IP", default=1000)
SMS_BURST_LIMIT_PER_IP = env.int("SMS_BURST_LIMIT_PER_IP", default=200)
SMS_BURST_WINDOW_SECONDS = env.int("SMS_BURST_WINDOW_SECONDS", default=10 * 60)
# Alibaba Cloud SMS (dysmsapi SendSms): an approved signature and a template whose only
# variable is ${code}.
SMS_ALIYUN_ACCESS_KEY_ID = env.str("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_SIGN_NAME = env.str("SMS_ALIYUN_SIGN_NAME", default="")
SMS_ALIYUN_TEMPLATE_CODE = env.str("SMS_ALIYUN_TEMPLATE_CODE", default="")
# Optional: a notice template whose only variable is ${result} (e.g. "您的个人身份认证
# ${result}，请登录平台查看。"), for 个人身份认证 results; without it those notices are not sent.
SMS_ALIYUN_NOTICE_TEMPLATE_CODE = env.str("SMS_ALIYUN_NOTICE_TEMPLATE_CODE", default="")
# Optional: the deadline reminders' template (manage.py send_reminders), whose variables are
# ${institution}, ${year}, ${event} and ${deadline}; without it reminders are not sent (each
# is recorded as failed and tried again at the next run).
SMS_ALIYUN_REMINDER_TEMPLATE_CODE = env.str("SMS_ALIYUN_REMINDER_TEMPLATE_CODE", default="")
SMS_ALIYUN_ENDPOINT = env.str("SMS_ALIYUN_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
SMS_ALIYUN_TIMEOUT = env.float("SMS_ALIYUN_TIMEOUT", default=5.0)
_ALIYUN_SETTINGS = (
    SMS_ALIYUN_ACCESS_KEY_ID,
    SMS_ALIYUN_ACCESS_KEY_SECRET,
    SMS_ALIYUN_SIGN_NAME,
    SMS_ALIYUN_TEMPLATE_CODE,
)
if SMS_BACKEND == "accounts.sms.backends.aliyun.SmsBackend" and not all(_ALIYUN_SETTINGS):
    raise ImproperlyConfigured(
        "阿里云短信后端须设置 SMS_ALIYUN_ACCESS_KEY_ID、SMS_ALIYUN_ACCESS_KEY_SECRET、"
        "SMS_ALIYUN_SIGN_NAME 和 SMS_ALIYUN_TEMPLATE_CODE 环境变量。"
    )

# Deadline reminders (manage.py send_reminders, surveys/reminders.py): the 单位管理员 of an
# institution whose report is not submitted is texted this many days before its window
# closes (an extension counts), once each; the 欢迎 page warns from the largest of them. The
# text for the backends that send free text (file, console, in-memory); {institution},
# {year}, {event} (尚未提交 / 已被退回) and {deadline} are filled in. With the Aliyun backend
# the operator's approved template (SMS_ALIYUN_REMINDER_TEMPLATE_CODE) carries the wording.
REMINDER_DAYS = env.list("REMINDER_DAYS", cast=int, default=[14, 3])
SMS_REMINDER_TEMPLATE = env.str(
    "SMS_REMINDER_TEMPLATE",
    default="【中国脑血管病登记平台】{institution}{year}年度脑血管病登记数据{event}，"
    "填报将于{deadline}（北京时间24时）截止，请及时登录平台填写并提交。",
)

# Client address: REMOTE_ADDR, or the address the trusted reverse proxies report in
# X-Forwarded-For when the platform runs behind them (count of proxies in front of it;
# accounts.throttling.client_ip, used by the lockouts, the rate limits and the audit log).
# Issue 19 item 4: production must say it, even 0: behind nginx, a forgotten setting made
# every client 127.0.0.1, so five wrong logins by anyone locked everyone out.
_TRUSTED_PROXY_COUNT = env.str("TRUSTED_PROXY_COUNT", default="" if PRODUCTION else "0").strip()
if not _TRUSTED_PROXY_COUNT:
    raise ImproperlyConfigured(
        "生产模式 (DEBUG=false) 必须设置 TRUSTED_PROXY_COUNT 环境变量：平台前面反向代理的层数"
        "（按文档部署在一层 nginx 之后为 1；客户端直接连接 gunicorn 时为 0）。"
    )
if not _TRUSTED_PROXY_COUNT.isdigit():
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT 应为 0 或正整数（平台前面反向代理的层数）。")
TRUSTED_PROXY_COUNT = int(_TRUSTED_PROXY_COUNT)

# Login throttling (django-axes, attempts stored in the database so that every gunicorn
# worker sees them): 5 failures for one username or one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password", "captcha_1"]
AXES_VERBOSE = False

# Image captcha (django-simple-captcha): 4 characters, 5 minutes, single use.
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 5
CAPTCHA_FONT_SIZE = 28
CAPTCHA_IMAGE_SIZE = (110, 38)
CAPTCHA_LETTER_ROTATION = (-25, 25)
CAPTCHA_2X_IMAGE = False
CAPTCHA_CHALLENGE_FUNCT = "accounts.throttling.captcha_challenge"

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
# The age above is an idle timeout: a signed-in request renews it when the session was last
# saved this many seconds ago or more (accounts.sessions.keep_alive), not on every request.
SESSION_RENEW_SECONDS = env.int("SESSION_RENEW_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    # TLS ends at the reverse proxy, which sets X-Forwarded-Proto. Without a proxy
    # (TRUSTED_PROXY_COUNT=0) the header would come from the client: not trusted then.
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: only over HTTPS, for this exact host, path / — no subdomain can set them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Storage cap of each institution's uploads (附件4 scans are all kept, replaced ones too).
UPLOAD_QUOTA_MB_PER_INSTITUTION = env.int("UPLOAD_QUOTA_MB_PER_INSTITUTION", default=500)

# Rate limits of the costly endpoints (registry/ratelimit.py): (per signed-in user, per
# client address), "N/s|m|h|d"; None for no limit on that side. Over it: 429.
RATE_LIMITS = {
    "sms": ("10/h", "600/h"),  # per address: one hospital behind a NAT (SECURITY.md)
    "captcha": (None, "60/m"),
    "import": ("30/h", "60/h"),
    "export": ("20/h", "40/h"),
    # 绑定既往数据 (SPEC §3.9): searches, and 绑定/绑定申请 (SECURITY.md).
    "binding_search": ("60/h", "600/h"),
    "binding_claim": ("10/h", "100/h"),
    # 用户注册/单位注册: checks, after the captcha and the SMS proof, of whether an ID number,
    # username or mobile is taken (accounts/mobile_proof.py); per session see below.
    "account_check": (None, "100/h"),
}
# The same checks per browser session in any hour (0: no per-session limit).
ACCOUNT_CHECKS_PER_SESSION = env.int("ACCOUNT_CHECKS_PER_SESSION", default=5)

# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from this
# server — no inline script or style anywhere (JavaScript lives in static/js/). data: images
# are Bootstrap's SVG icons in its CSS. Nothing may frame the platform, no plugins.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The input guard's refusals (registry/input_guard.py): one line each, no traceback.
    "filters": {"without_traceback": {"()": "registry.input_guard.WithoutTraceback"}},
    "loggers": {
        "django.security.ImpossibleCharacters": {"filters": ["without_traceback"]},
    },
}

# Reported by /healthz and shown in the footer.
PLATFORM_NAME = "中国脑血管病登记平台"

# --- Personal-data encryption (issue 9 item 2; accounts.crypto, accounts.fields) -------------
# 身份证号码 and mobiles are stored AES-256-GCM encrypted under FIELD_ENCRYPTION_KEY and found
# by their HMAC-SHA256 under FIELD_HASH_KEY. Each is 32 random bytes in urlsafe base64:
#   python -c "import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())"
# Keep both outside the database and its backups; losing FIELD_ENCRYPTION_KEY loses the data,
# changing FIELD_HASH_KEY breaks lookups until the hashes are rebuilt. Development and tests
# derive fixed keys from SECRET_KEY; production refuses to start without both.


def _field_key(name, purpose):
    import base64
    import binascii
    import hashlib

    value = env.str(name, default="")
    if not value:
        if PRODUCTION:
            raise ImproperlyConfigured(
                f"生产模式 (DEBUG=false) 必须设置 {name} 环境变量（32字节随机数的 base64）。"
            )
        derived = hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()
        return base64.urlsafe_b64encode(derived).decode()
    try:
        key_bytes = base64.urlsafe_b64decode(value)
    except (binascii.Error, ValueError):
        key_bytes = b""
    if len(key_bytes) != 32:
        raise ImproperlyConfigured(f"{name} 应为32字节随机数的 urlsafe base64 编码（44个字符）。")
    return value


FIELD_ENCRYPTION_KEY = _field_key("FIELD_ENCRYPTION_KEY", "field-encryption")
FIELD_HASH_KEY = _field_key("FIELD_HASH_KEY", "field-blind-index")
if FIELD_ENCRYPTION_KEY == FIELD_HASH_KEY:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY 与 FIELD_HASH_KEY 必须是两个不同的密钥。")
# --- end personal-data encryption ---------------------------------------------------------------

# --- sign-in, sessions, password policy (issue 9 items 1, 3, 4; README 登录安全) ------------------
# Second factor: after the right password, 账号登录 asks for an SMS code sent to the account's
# mobile (and 手机号登录, after its code, for the password) before the session is signed in.
# Off only for a demo; auditors (staff) always need a TOTP code (django-otp) for anything.
SMS_SECOND_FACTOR = env.bool("SMS_SECOND_FACTOR", default=True)
# Issue 19 item 9: with DEBUG=false, `check --deploy` fails while SMS_SECOND_FACTOR is off
# or SMS_BACKEND is a file/console/memory backend (registry/checks.py), unless a staging
# site states it wants them: then they are reported as information only.
ALLOW_DEMO_SHORTCUTS_IN_PRODUCTION = env.bool("ALLOW_DEMO_SHORTCUTS_IN_PRODUCTION", default=False)
LOGIN_SECOND_FACTOR_SECONDS = env.int("LOGIN_SECOND_FACTOR_SECONDS", default=10 * 60)
LOGIN_SECOND_FACTOR_MAX_ATTEMPTS = env.int("LOGIN_SECOND_FACTOR_MAX_ATTEMPTS", default=5)
INSTALLED_APPS += ["django_otp", "accounts.apps.TotpConfig"]  # django-otp TOTP devices
OTP_TOTP_ISSUER = "中国脑血管病登记平台"
# OTPMiddleware marks a session verified by a TOTP device; SessionSecurityMiddleware then
# applies the absolute lifetime, the auditors' TOTP rule and password expiry.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "accounts.middleware.SessionSecurityMiddleware",
)
# Sessions: SESSION_COOKIE_AGE above is the idle limit; this one counts from sign-in.
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
# Password policy (MLPS 8.1.4.1 a; checklist A12): length (PASSWORD_MIN_LENGTH above),
# character classes, no reuse of the last N, expiry in days (0 turns expiry off).
# Argon2 first (Django's recommendation): a memory-hard hash, about 0.13 s a check here against
# 0.26 s for PBKDF2 at Django's 1,000,000 iterations. Passwords stored with PBKDF2 still check and
# are rehashed with Argon2 at the next sign-in (README, 密码策略).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_MIN_CHARACTER_CLASSES = env.int("PASSWORD_MIN_CHARACTER_CLASSES", default=3)
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
AUTH_PASSWORD_VALIDATORS += [
    {
        "NAME": "accounts.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CHARACTER_CLASSES},
    },
    {
        "NAME": "accounts.passwords.PasswordHistoryValidator",
        "OPTIONS": {"remember": PASSWORD_HISTORY_COUNT},
    },
]
# --- end sign-in, sessions, password policy -------------------------------------------------------

# --- 记住此浏览器 (issue 18 item 2; accounts.remembered, README 登录安全) ---
# After the SMS code on 登录验证, a ticked "记住此浏览器" lets that browser's 账号登录 skip the
# code for this many days (0: the box is not offered). Never for auditors (staff). The cookie
# is signed, HttpOnly, SameSite=Lax, Secure and __Host- prefixed in production like the session.
REMEMBER_BROWSER_DAYS = env.int("REMEMBER_BROWSER_DAYS", default=7)
REMEMBER_BROWSER_COOKIE_NAME = "__Host-remembered_browser" if PRODUCTION else "remembered_browser"
# --- end 记住此浏览器 ---
