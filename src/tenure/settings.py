"""Configuration from environment variables, with embedded defaults that need no servers.

Every setting a deployment may change is read here, once. Unset, Tenure runs on a SQLite file under
``var/`` with jobs in a second SQLite file, which is all the demo and a laptop need.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str = "") -> str:
    # NAME_FILE wins so secrets can come from mounted files rather than the process environment.
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = env(name, "")
    if value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def envint(name: str, default: int) -> int:
    value = env(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def _default_data_dir() -> Path:
    # In a source checkout keep data beside the code; an installed copy uses the working directory.
    checkout = Path(__file__).resolve().parents[2]
    root = checkout if (checkout / "pyproject.toml").exists() else Path.cwd()
    return root / "var"


DEVELOPMENT_SECRET_KEY = "tenure-development-key-not-for-production"

TENURE_ENV = env("TENURE_ENV", "development")
PRODUCTION = TENURE_ENV == "production"
DATA_DIR = Path(env("TENURE_DATA_DIR", str(_default_data_dir())))
SECRET_KEY = env("TENURE_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
# Off unless asked for: debug pages leak data, and query logging slows bulk work (imports, the demo) by a tenth.
DEBUG = envbool("TENURE_DEBUG", False)

if PRODUCTION and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("TENURE_ENV=production needs TENURE_SECRET_KEY: the development key is public")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("TENURE_ENV=production refuses TENURE_DEBUG=true: debug pages leak data")

ALLOWED_HOSTS = [h.strip() for h in env("TENURE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("TENURE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
if PRODUCTION:
    SESSION_COOKIE_SECURE = envbool("TENURE_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # HTTPS only. Behind a TLS proxy that talks plain HTTP to Tenure, set TENURE_BEHIND_TLS_PROXY=true (the proxy
    # must set X-Forwarded-Proto); TENURE_SSL_REDIRECT=false and TENURE_HSTS_SECONDS=0 turn each off.
    SECURE_SSL_REDIRECT = envbool("TENURE_SSL_REDIRECT", True)
    # A load balancer's health check asks the server itself over plain HTTP: a redirect would read as "down".
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^health/$"]
    SECURE_HSTS_SECONDS = envint("TENURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("TENURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("TENURE_HSTS_PRELOAD", True)
    if envbool("TENURE_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Trusted proxies in front of Tenure (load balancer, TLS proxy) that append to X-Forwarded-For: the sign-in
# throttle counts failures by the address the outermost one saw, not by the proxy's own address.
TENURE_PROXY_HOPS = envint("TENURE_PROXY_HOPS", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # /api/docs renders Swagger UI from the package's own static files, never a CDN
    "huey.contrib.djhuey",
    "tenure.users",
    "tenure.accounts",
    "tenure.billing",
    "tenure.support",
    "tenure.engagement",
    "tenure.usage",
    "tenure.integrations",
    "tenure.web",
    "tenure.portal",
    "tenure.demo",
    "tenure.risk",
    "tenure.surveys",
    "tenure.health",
    "tenure.metrics",
    "tenure.predict",
    "tenure.renewals",
    "tenure.changes",
    "tenure.knowledge",
    "tenure.community",
    "tenure.connectors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "tenure.users.audit.AuditMiddleware",  # changes made in a request are audited as its user's
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tenure.urls"
WSGI_APPLICATION = "tenure.wsgi.application"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"  # CSMs land on My work, others on the accounts list
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenure.web.context.navigation",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tenure.sqlite3'}")
# Connections are kept for a minute between requests (a connect per request cost the event API a tenth of its
# time), checked before reuse.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("TENURE_DB_CONN_MAX_AGE", 60),
                                              conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets pages read while an import or a job writes; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The planner's default random_page_cost (4) prices an index read as on a spinning disk, so on a large table
    # it preferred scanning all 100,000 accounts (in parallel, on every core) to reading one CSM's 800 by their
    # index: 26 ms against 6 ms for a book of business. 1.1 is the usual figure for SSDs. The default work_mem
    # (4 MB) made it sort the largest accounts' user-days by user to count active users where a hash takes half
    # the time (36 ms against 21 ms). TENURE_PG_OPTIONS replaces both (libpq "options").
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = env("TENURE_PG_OPTIONS",
                                                                    "-c random_page_cost=1.1 -c work_mem=16MB")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs: huey on SQLite beside the database, or on Redis when TENURE_QUEUE_URL is set.
QUEUE_URL = env("TENURE_QUEUE_URL", "")
if QUEUE_URL:
    HUEY = {"huey_class": "huey.PriorityRedisHuey", "name": "tenure", "url": QUEUE_URL, "immediate": False}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "tenure",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": envbool("TENURE_JOBS_IMMEDIATE", False),
    }
HUEY["consumer"] = {"workers": envint("TENURE_WORKERS", 2), "worker_type": "thread"}

def email_settings(url: str) -> dict:
    """TENURE_EMAIL_URL to Django's email settings: smtp://user:password@host:587?tls=true (or ssl=true),
    console:// (print), file:///path (one file per message). Unset: files under var/mail, so nothing is sent
    by accident from a laptop."""
    from urllib.parse import parse_qs, unquote, urlsplit

    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(DATA_DIR / "mail")}
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": parts.path}
    if parts.scheme not in ("smtp", "smtps"):
        raise ImproperlyConfigured(f"TENURE_EMAIL_URL scheme {parts.scheme!r}: use smtp://, smtps://, console:// or file://")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": query.get("tls") in ("1", "true", "yes"),
        "EMAIL_USE_SSL": parts.scheme == "smtps" or query.get("ssl") in ("1", "true", "yes"),
        "EMAIL_TIMEOUT": 20,
    }


globals().update(email_settings(env("TENURE_EMAIL_URL", "")))
DEFAULT_FROM_EMAIL = env("TENURE_EMAIL_FROM", "Tenure <tenure@localhost>")
# Links in emails and webhooks need the address people reach Tenure at.
TENURE_BASE_URL = env("TENURE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# The customer portal's emailed sign-in links: how long one stays good (each is good for one sign-in).
TENURE_PORTAL_LINK_MINUTES = envint("TENURE_PORTAL_LINK_MINUTES", 30)
# Words that hold a community post for a moderator's review, comma-separated (matched as whole words, any case).
# A new member's first community post waits for a moderator (spam rarely comes from members who posted before).
TENURE_COMMUNITY_HOLD_FIRST_POSTS = envbool("TENURE_COMMUNITY_HOLD_FIRST_POSTS", True)
TENURE_COMMUNITY_WORD_LIST = [w.strip() for w in env("TENURE_COMMUNITY_WORD_LIST", "").split(",") if w.strip()]
# Community emails carry a Reply-To address reply+<token>@<this domain> (default: TENURE_BASE_URL's host); mail to it
# must reach `tenure community inbound-smtp` (or be piped to `tenure community read-mail -`). A reply address stays
# good this many days.
TENURE_COMMUNITY_REPLY_DOMAIN = env("TENURE_COMMUNITY_REPLY_DOMAIN", "")
# Encrypts connection credentials at rest (tenure.connectors.secrets); unset, derived from the secret key.
TENURE_CONNECTOR_KEY = env("TENURE_CONNECTOR_KEY", "")
TENURE_COMMUNITY_REPLY_DAYS = envint("TENURE_COMMUNITY_REPLY_DAYS", 90)
# Email capture (connectors.mail_capture): each staff user's address is csm+<token>@<this domain> (default:
# TENURE_BASE_URL's host); mail to it must reach the SMTP listener of `tenure serve` (TENURE_SMTP_PORT, 0: none) or be
# piped to `tenure mail read-mail -`. The listener takes community replies too.
TENURE_MAIL_CAPTURE_DOMAIN = env("TENURE_MAIL_CAPTURE_DOMAIN", "").strip().lower()
TENURE_SMTP_PORT = envint("TENURE_SMTP_PORT", 0)
TENURE_SMTP_HOST = env("TENURE_SMTP_HOST", "127.0.0.1")
if TENURE_PORTAL_LINK_MINUTES < 1:
    raise ImproperlyConfigured(f"TENURE_PORTAL_LINK_MINUTES={TENURE_PORTAL_LINK_MINUTES}: use 1 or more")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TENURE_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks here too, even though it serves from finders


def _plotly_js_dir() -> str:
    # plotly ships its JavaScript inside the Python package: charts work air-gapped.
    import plotly

    return str(Path(plotly.__file__).parent / "package_data")


STATICFILES_DIRS = [("vendor/plotly", _plotly_js_dir())]
# Serve straight from the packages' static folders: no collectstatic step before the first start.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None
# Knowledge base attachments (images, PDFs): stored on disk here, each at most this many bytes.
TENURE_ATTACHMENT_DIR = Path(env("TENURE_ATTACHMENT_DIR", str(DATA_DIR / "attachments")))
TENURE_ATTACHMENT_MAX_BYTES = envint("TENURE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)

# Usage: the event names that count as a login (case-insensitive), comma-separated.
# Usage rollups are counted by a loop in `tenure serve` / `tenure worker` a second or so after events arrive;
# inline, each event request counts its own before it answers (slower; for setups that run no loop).
TENURE_ROLLUPS_INLINE = envbool("TENURE_ROLLUPS_INLINE", False)
# Raw events are kept this many whole months besides the current one (0: forever); rollups are kept regardless.
# Older months are dropped (PostgreSQL: their monthly partition) or deleted in chunks (SQLite) by the daily job,
# after being written to DATA_DIR/event-archive when TENURE_RAW_EVENT_ARCHIVE is true.
TENURE_RAW_EVENT_MONTHS = envint("TENURE_RAW_EVENT_MONTHS", 13)
TENURE_RAW_EVENT_ARCHIVE = envbool("TENURE_RAW_EVENT_ARCHIVE", True)
# How long a messageId is recognised as a retry on PostgreSQL (on SQLite: as long as its raw event is kept).
TENURE_DEDUP_DAYS = envint("TENURE_DEDUP_DAYS", 45)
TENURE_LOGIN_EVENTS = env("TENURE_LOGIN_EVENTS", "Logged In,Signed In,Login").split(",")

# Renewals: days before the renewal date at which renewal tasks open.
TENURE_RENEWAL_OFFSETS = [int(d) for d in env("TENURE_RENEWAL_OFFSETS", "120,90,60,30").split(",") if d.strip()]

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_MAX_OFFSET = 1_000_000_000  # past this, an offset is a mistake (and past 2**63 a 500)
NINJA_PAGINATION_CLASS = "tenure.api_helpers.BoundedLimitOffset"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"jobs": {"format": "[%(asctime)s] %(levelname)s %(name)s %(threadName)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler"},
                 "jobs": {"class": "logging.StreamHandler", "formatter": "jobs"}},
    "root": {"handlers": ["console"], "level": env("TENURE_LOG_LEVEL", "WARNING")},
    # The job consumer says what it runs, once: run_huey adds a handler of its own only when this logger has none,
    # and the root's would print every line a second time.
    "loggers": {"huey": {"handlers": ["jobs"], "level": "INFO", "propagate": False}},
}
