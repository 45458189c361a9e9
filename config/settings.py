"""Zapas settings, read from the environment (12-factor).

Local defaults just work: SQLite in the project folder, DEBUG on, tasks run in-process.
Production sets ``DJANGO_ENV=production`` (or ``DEBUG=false``) and must provide a real
``SECRET_KEY``; ``manage.py check --deploy`` is then clean.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_INSECURE_DEV_KEY = "django-insecure-zapas-local-development-only"

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_DEV_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _INSECURE_DEV_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("Set SECRET_KEY (at least 50 random characters) when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc served from our own static files: /api/docs/ works offline.
    "drf_spectacular_sidecar",
    "import_export",
    "django_celery_beat",
    "simple_history",
    "axes",
    "core",
    "inventory",
    "fulfilment",
    "planning",
    "marketplaces.ozon",
    "marketplaces.ozon.push",
    "marketplaces.ozon.rating",
    "marketplaces.ozon.fbo",
    "marketplaces.ozon.chat",
    "marketplaces.ozon.handover",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LocaleMiddleware",  # gives the thread its language back
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: answers a sign-in while locked out (core.views.login_locked_out).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # PostgreSQL's integer ranges on SQLite too, so both refuse the same numbers (core/sqlite).
    DATABASES["default"]["ENGINE"] = "core.sqlite"
    # Tests in memory, as Django does for its own SQLite engine (pytest-django's parallel
    # runs only recognise that engine by name, so say it).
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
    # WAL and a busy timeout let the dev server, a worker and the scan page share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Server-side binding lets psycopg prepare a statement after its 5th run on a connection, so
    # PostgreSQL stops re-planning the hot queries (the barcode lookup: 0.55 ms of planning per
    # scan before, on the 2-core bench VM). Turn off behind a transaction-pooling PgBouncer older
    # than 1.21, which cannot keep prepared statements.
    if env.bool("DB_SERVER_SIDE_BINDING", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface speaks Russian, English and Simplified Chinese: the browser's Accept-Language
# picks one, the language switch in the header (Django's set_language) remembers a choice in a
# cookie. Catalogues live in locale/ with their compiled .mo files, so a fresh clone needs no
# GNU gettext (`make messages` re-extracts and compiles them with Babel).
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("ru", "Русский"), ("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads waiting for a worker (the admin's sales import); shared by the web server and workers.
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))

LOGIN_URL = "/admin/login/"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Zapas <noreply@zapas.local>")

# --- Security (production) -------------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Django REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    # Scanner devices send a token; staff may use their admin session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.auth.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.auth.IsDeviceOrStaff"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # 429 with Retry-After per device (or staff user) and per address; rates in
    # ZAPAS["API_THROTTLE"], invalid tokens per address counted in core.auth (core.throttles).
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.DeviceThrottle", "core.throttles.AddressThrottle"],
    # JSON nested too deeply is a 400 (core.parsers), not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zapas API",
    "DESCRIPTION": "Stock, orders and scanning for marketplace sellers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Nothing is anonymous: the schema and the docs are for devices and signed-in staff.
    "SERVE_PERMISSIONS": ["core.auth.IsDeviceOrStaff"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Exported cells are never formulas (CSV injection): the admin offers only core.spreadsheets'
# formats (CSV cells starting with = + - @ get an apostrophe, XLSX stores them as text); the
# library's own escaping (it strips a leading "=") stays on for any other format.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# `make run` (honcho + Procfile) sets ZAPAS_EMBEDDED_BROKER: with no broker URL, the web server,
# the worker and beat then share kombu's filesystem transport and a file result backend under
# var/celery/, so periodic work runs on a laptop with no Redis. Without it and without a broker
# (tests, a lone management command) tasks run in-process.
CELERY_EMBEDDED_BROKER = not CELERY_BROKER_URL and env.bool("ZAPAS_EMBEDDED_BROKER", default=False)
if CELERY_EMBEDDED_BROKER:
    _celery_dir = Path(env.str("ZAPAS_CELERY_DIR", default=str(BASE_DIR / "var" / "celery")))
    for _sub in ("queue", "results", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "control_folder": str(_celery_dir / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{_celery_dir / 'results'}"
    CELERY_RESULT_EXPIRES = 24 * 60 * 60
# No broker configured: run tasks in-process (the embedded default, and tests).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# One queue name for producers and workers (tests run a worker on a private queue).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The schedule lives in the database only (django-celery-beat's periodic tasks, seeded by
# migrations and edited in the admin): entries here would be written over those rows at every
# beat start, so there are none.
CELERY_BEAT_SCHEDULE: dict = {}
# The interval the deadline watch's periodic task is seeded with (then edited in the admin).
DEADLINE_WATCH_SECONDS = env.int("ZAPAS_DEADLINE_WATCH_SECONDS", default=10 * 60)

# Caches: per-process memory unless CACHE_URL names a shared one (redis://127.0.0.1:6379/1).
# Scanner devices are cached by token hash (core.devices); a shared cache makes a revocation
# take effect in every process at once.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://default")}
CACHES["devices"] = (
    {**CACHES["default"], "KEY_PREFIX": "devices"}
    if "CACHE_URL" in env
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "devices",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
)
CACHES["throttle"] = (
    {**CACHES["default"], "KEY_PREFIX": "throttle"}
    if "CACHE_URL" in env
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "throttle",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
)

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failed admin sign-ins for one user
# name, or from one address, further sign-ins for it (even with the right password, which is
# then not checked) get 429 until AXES_COOLOFF_TIME has passed without another attempt.
# Lift a lock at once with `manage.py axes_reset_username <name>` or `axes_reset_ip <address>`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("ZAPAS_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("ZAPAS_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.throttles.login_address"
AXES_LOCKOUT_CALLABLE = "core.views.login_locked_out"
AXES_VERBOSE = False

# --- Zapas domain settings --------------------------------------------------------------------
ZAPAS = {
    # The seller's own currency (ISO 4217): SKU prices and costs, margins, fulfilment costs.
    # Suppliers keep their own; other currencies are shown apart or converted with the dated
    # exchange rates kept in the admin.
    "CURRENCY": env.str("ZAPAS_CURRENCY", default="RUB"),
    # Default target cycle service level for a SKU without its own.
    "DEFAULT_SERVICE_LEVEL": env.float("ZAPAS_DEFAULT_SERVICE_LEVEL", default=0.95),
    # Accept a receipt beyond the ordered quantity of a purchase-order line.
    "ALLOW_OVER_RECEIPT": env.bool("ZAPAS_ALLOW_OVER_RECEIPT", default=False),
    # API Idempotency-Key records are kept this long (at least 24 h).
    "IDEMPOTENCY_TTL_HOURS": env.int("ZAPAS_IDEMPOTENCY_TTL_HOURS", default=48),
    # A SKU is "at risk" when its stock-out probability before replenishment reaches this and
    # it expects at least this many cancelled orders.
    "RISK_THRESHOLD": env.float("ZAPAS_RISK_THRESHOLD", default=0.5),
    "RISK_MIN_CANCELLED_ORDERS": env.float("ZAPAS_RISK_MIN_CANCELLED_ORDERS", default=0.5),
    # An edited reorder quantity above this × the plan's suggestion / order-up-to needs confirming.
    "REORDER_CONFIRM_FACTOR": env.float("ZAPAS_REORDER_CONFIRM_FACTOR", default=3.0),
    # Lead time (days) for SKUs without a supplier, e.g. an imported sales history.
    "PLAN_DEFAULT_LEAD_TIME": env.float("ZAPAS_PLAN_DEFAULT_LEAD_TIME", default=14),
    # SKUs per engine chunk in-process, and per Celery task when a broker is configured.
    "PLAN_CHUNK_SIZE": env.int("ZAPAS_PLAN_CHUNK_SIZE", default=100_000),
    "PLAN_DISPATCH_CHUNK_SIZE": env.int("ZAPAS_PLAN_DISPATCH_CHUNK_SIZE", default=10_000),
    # A running plan whose process gave no sign of life (a heartbeat at every stage of every
    # chunk; a 100 000-SKU stage takes well under a minute) for this long is dead: it is marked
    # failed and the next run starts (planning.runs.plan_runs_dead_fail).
    "PLAN_DEAD_MINUTES": env.float("ZAPAS_PLAN_DEAD_MINUTES", default=15),
    # The same for a job started from the admin (core.jobs): no start or progress report for
    # this long and it no longer blocks a new run of its job.
    "JOB_DEAD_MINUTES": env.float("ZAPAS_JOB_DEAD_MINUTES", default=30),
    # Seconds a scanner device stays cached by token hash (core.devices). Revoking or
    # re-issuing a token drops the entry at once; with a per-process cache (no CACHE_URL)
    # other processes notice within this time.
    "DEVICE_CACHE_SECONDS": env.int("ZAPAS_DEVICE_CACHE_SECONDS", default=300),
    # API limits, "<n>/<s|min|h|d>" (empty: off), counted in CACHES["throttle"] (core.throttles):
    # per device or staff user; per client address (a warehouse's scanners may share one);
    # invalid tokens per address.
    "API_THROTTLE": {
        "device": env.str("ZAPAS_API_RATE_DEVICE", default="1200/min"),
        "address": env.str("ZAPAS_API_RATE_ADDRESS", default="6000/min"),
        "auth_failures": env.str("ZAPAS_API_RATE_AUTH_FAILURES", default="30/min"),
    },
    # Uploaded files (core.uploads), checked before parsing: size, what an XLSX unpacks to,
    # rows, characters per cell (Excel's own maximum).
    "UPLOADS": {
        "MAX_BYTES": env.int("ZAPAS_UPLOAD_MAX_MB", default=100) * 1024 * 1024,
        "MAX_XLSX_UNPACKED_BYTES": env.int("ZAPAS_XLSX_MAX_UNPACKED_MB", default=200) * 1024 * 1024,
        "MAX_ROWS": env.int("ZAPAS_UPLOAD_MAX_ROWS", default=2_000_000),
        "MAX_CELL_CHARS": 32_767,
        # Larger admin spreadsheet imports run as a job instead of in the request.
        "INLINE_IMPORT_BYTES": env.int("ZAPAS_INLINE_IMPORT_KB", default=512) * 1024,
    },
    # The header a reverse proxy of ours sets with the client's address (e.g. HTTP_X_REAL_IP);
    # empty: REMOTE_ADDR. Never trust a header a client can set itself.
    "CLIENT_IP_HEADER": env.str("ZAPAS_CLIENT_IP_HEADER", default=""),
    # Engine parameters (planning.engine.PlanParams fields; "tariffs" takes Tariffs fields).
    # Lots are the economic order quantity at ZAPAS_ORDER_COST (money in ZAPAS_CURRENCY per
    # order line placed; 0 = one review period's demand): on the demo catalogue this holds
    # 32-48 % of min/max's cancellations at its stock value against 53-55 % (bench/results/
    # backtest.md). With them the reorder point is raised by ZAPAS_REORDER_LIFT (0.5) of a lot,
    # S unchanged: on Online Retail 62-52 % of min/max's cancellations at its stock value
    # against 73-55 % (x1.5 ... x4). Setting PLAN_PARAMS replaces the whole dict.
    "PLAN_PARAMS": (
        {
            "use_eoq": True,
            "order_cost": env.float("ZAPAS_ORDER_COST", default=100.0),
            "reorder_lift": env.float("ZAPAS_REORDER_LIFT", default=0.5),
        }
        if env.float("ZAPAS_ORDER_COST", default=100.0) > 0
        else {}
    ),
    # The nightly promise audit (planning.promise_audit; other knobs: AUDIT_SETTLE_DAYS,
    # AUDIT_LOOKBACK_DAYS, AUDIT_SHRINK_N, PROMISE_KEEP_DAYS) and the recalibration it feeds.
    "PLAN_RECALIBRATE": env.bool("ZAPAS_PLAN_RECALIBRATE", default=True),
    "AUDIT_WARN_POINTS": env.float("ZAPAS_AUDIT_WARN_POINTS", default=3.0),
    "AUDIT_WARN_MIN_PROMISES": env.int("ZAPAS_AUDIT_WARN_MIN_PROMISES", default=20),
}
# bench/api_load.py mounts a bare (non-DRF) lookup view for comparison when this is on.
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)

# Fulfilment (orders, deadline watch, notices): defaults in fulfilment/conf.py; override here.
ZAPAS_FULFILMENT = {
    "NOTICE_REQUIRE_APPROVAL": env.bool("ZAPAS_NOTICE_REQUIRE_APPROVAL", default=False),
    "DUE_SOON_WORKING_HOURS": env.float("ZAPAS_DUE_SOON_WORKING_HOURS", default=4),
    # The buyer chat of the Ozon connector (README "Buyer chat, labels and the hand-over").
    "NOTICE_CHANNELS": {
        "email": "fulfilment.notices.channels.EmailChannel",
        "buyer_chat": "marketplaces.ozon.chat.channel.OzonBuyerChatChannel",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Eager (in-process) tasks would log every success at INFO; workers keep their own log.
        "celery.app.trace": {"level": env.str("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
    },
}

# Encryption at rest for marketplace API keys (falls back to SECRET_KEY).
ZAPAS_SECRETS_KEY = env.str("ZAPAS_SECRETS_KEY", default="")

# The Ozon connector. OZON_CLIENT_ID + OZON_API_KEY define a default account, created or
# updated when a sync starts. Limits are Ozon's published ones (see README).
OZON = {
    "CLIENT_ID": env.str("OZON_CLIENT_ID", default=""),
    "API_KEY": env.str("OZON_API_KEY", default=""),
    "API_URL": env.str("OZON_API_URL", default="https://api-seller.ozon.ru"),
    "PUSH_STOCK": env.bool("OZON_PUSH_STOCK", default=False),
    "TIMEOUT_SECONDS": env.float("OZON_TIMEOUT_SECONDS", default=30.0),
    "REQUESTS_PER_SECOND": env.int("OZON_REQUESTS_PER_SECOND", default=50),
    "STOCK_REQUESTS_PER_MINUTE": env.int("OZON_STOCK_REQUESTS_PER_MINUTE", default=80),
    "STOCK_PAIR_INTERVAL_SECONDS": env.int("OZON_STOCK_PAIR_INTERVAL_SECONDS", default=30),
    "CIRCLE_OPEN_BACKOFF_SECONDS": env.float("OZON_CIRCLE_OPEN_BACKOFF_SECONDS", default=180.0),
    "MAX_ATTEMPTS": env.int("OZON_MAX_ATTEMPTS", default=5),
    "CONCURRENCY": env.int("OZON_CONCURRENCY", default=8),
    # Redis for the shared rate-limit budget; empty: the Celery broker if it is Redis.
    "RATE_LIMIT_REDIS_URL": env.str("OZON_RATE_LIMIT_REDIS_URL", default=""),
    "KEY_EXPIRY_WARNING_DAYS": 14,
}

# Ozon's push notifications (README "Push notifications"): who may send them (Ozon's published
# ranges), and the header a reverse proxy of ours sets with the sender (empty: REMOTE_ADDR).
OZON_PUSH = {
    "ALLOWED_NETWORKS": env.list(
        "OZON_PUSH_ALLOWED_NETWORKS",
        default=["195.34.21.0/24", "185.73.192.0/22", "91.223.93.0/24"],
    ),
    "SENDER_HEADER": env.str("OZON_PUSH_SENDER_HEADER", default=""),
}

# Ozon's buyer chat for delay notices: a text longer than one message (1,000 characters) goes
# as at most MAX_MESSAGES numbered parts; where the subscription forbids the chat, the notice
# goes to FALLBACK_EMAIL (the seller's address, to pass it on) with Ozon's answer as the reason.
OZON_CHAT = {
    "MAX_MESSAGES": env.int("OZON_CHAT_MAX_MESSAGES", default=3),
    "FALLBACK_EMAIL": env.str("OZON_CHAT_FALLBACK_EMAIL", default=""),
}

# Ozon's FBS error index as Zapas computes and foresees it (README "Ozon's error index").
# RISK: the chance that an open order in each state ends as a seller error if nothing is done.
OZON_RATING = {
    "TIME_ZONE": env.str("OZON_RATING_TIME_ZONE", default="Europe/Moscow"),
    "CHANNEL": "ozon",
    "CHARGE_CAP": env.float("OZON_RATING_CHARGE_CAP", default=None),
    "RISK": {
        "short_no_arrival": 1.0,
        "short_arrival": 0.3,
        "due_soon": 0.15,
        "packed": 0.02,
        "on_track": 0.0,
    },
}
