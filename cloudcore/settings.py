"""Settings, read from the environment (django-environ) with defaults that make the quick start work."""

from pathlib import Path

import environ

from core import names, observability

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DATA_DIR = Path(env.str("CLOUDCORE_DATA_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("SECRET_KEY", default="insecure-quick-start-key-change-me-in-production-0123456789")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served locally: no CDN needed
    "apps.identity",
    "apps.images",
    "apps.hosts",
    "apps.compute",
    "apps.network",
]

MIDDLEWARE = [
    "cloudcore.middleware.request_id_middleware",
    "cloudcore.metrics.metrics_middleware",
    "cloudcore.middleware.project_prefix_middleware",
    "apps.common.microversion.microversion_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cloudcore.urls"
APPEND_SLASH = False

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
            ],
        },
    },
]

WSGI_APPLICATION = "cloudcore.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'cloudcore.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Quick start only: WAL so readers never block the writer, immediate transactions so two
    # writers queue on the lock instead of failing to upgrade a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "identity.User"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The admin's and Swagger UI's files, served by the API process itself (no collectstatic step).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

REDIS_URL = env.str("REDIS_URL", default=names.DEFAULT_REDIS_URL)

# Celery: the shared settings come from core.rpc; these only add to them.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BEAT_SCHEDULE = {
    "purge-deleted-instances": {
        "task": "conductor.purge_deleted_instances",
        "schedule": env.float("PURGE_INTERVAL", default=3600.0),
    },
}

# Auth: Keystone-style tokens everywhere; sessions for the browser; HTTP Basic only where allowed
# (``make up`` allows it for the quick start).
ALLOW_BASIC_AUTH = env.bool("ALLOW_BASIC_AUTH", default=False)
TOKEN_TTL = env.int("TOKEN_TTL", default=3600)
REGION_NAME = env.str("REGION_NAME", default="RegionOne")
# The URL clients should use, for the identity catalog (default: the host the request came to).
PUBLIC_URL = env.str("PUBLIC_URL", default="")

# Quotas per project (Nova's defaults); -1 is unlimited. ``/os-quota-sets`` overrides them per project.
QUOTA_DEFAULTS = {
    "instances": env.int("QUOTA_INSTANCES", default=10),
    "cores": env.int("QUOTA_CORES", default=20),
    "ram": env.int("QUOTA_RAM", default=51200),
    "key_pairs": env.int("QUOTA_KEY_PAIRS", default=100),
    "server_groups": env.int("QUOTA_SERVER_GROUPS", default=10),
    "server_group_members": env.int("QUOTA_SERVER_GROUP_MEMBERS", default=10),
    "metadata_items": env.int("QUOTA_METADATA_ITEMS", default=128),
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.identity.auth.KeystoneTokenAuthentication",
        "apps.identity.auth.QuickStartBasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.identity.policy.ProjectPolicy", "apps.common.query.KnownQueryParams"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "apps.common.exceptions.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "cloudcore.negotiation.LenientContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

# Scheduling and liveness.
SCHEDULER_MAX_ATTEMPTS = env.int("SCHEDULER_MAX_ATTEMPTS", default=3)
SCHEDULER_ALTERNATES = env.int("SCHEDULER_ALTERNATES", default=2)
SERVICE_DOWN_TIME = env.int("SERVICE_DOWN_TIME", default=60)
PURGE_DELETED_AFTER_DAYS = env.int("PURGE_DELETED_AFTER_DAYS", default=30)

# Every line carries the request id it serves; LOG_FORMAT=json writes JSON lines.
LOGGING = observability.logging_config(env.str("LOG_LEVEL", default="INFO"))

# Scheduler pipeline, in order: filters run cheapest and most selective first; weighers rank
# the hosts that pass. Each weigher's multiplier scales its normalised 0..1 score.
SCHEDULER_ENABLED_FILTERS = env.list(
    "SCHEDULER_ENABLED_FILTERS",
    default=[
        "ForceHostsFilter",
        "ComputeFilter",
        "DriverCapabilitiesFilter",
        "AvailabilityZoneFilter",
        "SameHostFilter",
        "DifferentHostFilter",
        "ServerGroupAffinityFilter",
        "ServerGroupAntiAffinityFilter",
        "CoreFilter",
        "RamFilter",
        "DiskFilter",
        "AggregateInstanceExtraSpecsFilter",
        "ImagePropertiesFilter",
    ],
)
SCHEDULER_WEIGHERS = env.list(
    "SCHEDULER_WEIGHERS",
    default=[
        "RAMWeigher",
        "CPUWeigher",
        "DiskWeigher",
        "IoOpsWeigher",
        "BuildFailureWeigher",
        "ServerGroupSoftAffinityWeigher",
        "ServerGroupSoftAntiAffinityWeigher",
    ],
)
RAM_WEIGHT_MULTIPLIER = env.float("RAM_WEIGHT_MULTIPLIER", default=1.0)
CPU_WEIGHT_MULTIPLIER = env.float("CPU_WEIGHT_MULTIPLIER", default=1.0)
DISK_WEIGHT_MULTIPLIER = env.float("DISK_WEIGHT_MULTIPLIER", default=1.0)
IO_OPS_WEIGHT_MULTIPLIER = env.float("IO_OPS_WEIGHT_MULTIPLIER", default=-1.0)
BUILD_FAILURE_WEIGHT_MULTIPLIER = env.float("BUILD_FAILURE_WEIGHT_MULTIPLIER", default=-1000000.0)
SOFT_AFFINITY_WEIGHT_MULTIPLIER = env.float("SOFT_AFFINITY_WEIGHT_MULTIPLIER", default=1.0)
SOFT_ANTI_AFFINITY_WEIGHT_MULTIPLIER = env.float("SOFT_ANTI_AFFINITY_WEIGHT_MULTIPLIER", default=1.0)

# Synchronous calls to a compute host (console output) wait at most this long.
CONSOLE_OUTPUT_TIMEOUT = env.float("CONSOLE_OUTPUT_TIMEOUT", default=10.0)
SCHEDULER_FULL_REFRESH_SECONDS = env.float("SCHEDULER_FULL_REFRESH_SECONDS", default=30.0)
DEFAULT_AVAILABILITY_ZONE = env.str("DEFAULT_AVAILABILITY_ZONE", default="nova")

# Self-healing: the reconciler (beat, every RECONCILE_INTERVAL s) resends a task not acted on for
# RESEND_AFTER s, ends a build not finished within BUILD_TIMEOUT s in ERROR (freeing its claim), and
# abandons any other task older than TASK_TIMEOUT s with a fault.
RECONCILE_INTERVAL = env.float("RECONCILE_INTERVAL", default=30.0)
RESEND_AFTER = env.float("RESEND_AFTER", default=60.0)
BUILD_TIMEOUT = env.float("BUILD_TIMEOUT", default=900.0)
TASK_TIMEOUT = env.float("TASK_TIMEOUT", default=900.0)
CELERY_BEAT_SCHEDULE["reconcile"] = {"task": "conductor.reconcile", "schedule": RECONCILE_INTERVAL}

# Deferred delete (Nova's reclaim_instance_interval): 0 deletes at once; above 0 a deleted server is
# powered off and kept (SOFT_DELETED, everything it holds still claimed) for this many seconds, when
# it can be restored; beat has the conductor reclaim the expired ones as often.
RECLAIM_INSTANCE_INTERVAL = env.int("RECLAIM_INSTANCE_INTERVAL", default=0)
if RECLAIM_INSTANCE_INTERVAL > 0:
    CELERY_BEAT_SCHEDULE["reclaim"] = {
        "task": "conductor.reclaim_queued_deletes", "schedule": float(RECLAIM_INSTANCE_INTERVAL)
    }  # fmt: skip

from cloudcore.openapi import SPECTACULAR_SETTINGS  # noqa: E402,F401  (the OpenAPI schema's settings)
