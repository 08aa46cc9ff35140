"""Default settings. Secrets and local values come from instance/config.py or CDESS_* variables."""

from datetime import timedelta


class Defaults:
    DEPARTEMENT = "62"
    DEPARTEMENT_NAME = "Département du Pas-de-Calais"
    COUNCIL_NAME = "Conseil départemental de l'économie sociale et solidaire"
    BASE_URL = "http://127.0.0.1:5000"
    PRODUCTION = False

    # DATABASE_URL unset means SQLite in instance/cdess.db (resolved in create_app).
    DATABASE_URL = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    # The interface's locales, French first (the source language, and the one chosen last).
    LANGUAGES = ("fr", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # « Rester connecté »: the cookie carries the session version, so it dies with it too.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # The council meets twice a year. Until sessions are planned in the application, each
    # (deadline, session) pair is a month-day: a file submitted on or before the deadline is
    # examined at that session.
    COUNCIL_CALENDAR = (("03-31", "05-20"), ("09-30", "11-20"))
    # A session opens on its day (local date); this many days before or after are tolerated.
    SESSION_OPEN_TOLERANCE_DAYS = 0
    # How often a live page (the session's panel, the room's screen, a job's progress) asks the
    # server for news, in milliseconds.
    LIVE_POLL_MS = 2000
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Evidence files: size limits per file and per application; UPLOAD_DIR unset means
    # instance/uploads. A request body above MAX_CONTENT_LENGTH is cut off unread (413); one
    # between the two limits is read, so that the form comes back with its values.
    EVIDENCE_MAX_FILE_BYTES = 10 * 1024 * 1024
    EVIDENCE_MAX_APPLICATION_BYTES = 50 * 1024 * 1024
    UPLOAD_DIR = None
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # An ODT or DOCX is a zip archive: refused, before any of it is inflated, when it declares
    # more members, or more bytes once inflated (in all, or per byte of the archive).
    EVIDENCE_ZIP_MAX_MEMBERS = 1000
    EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
    EVIDENCE_ZIP_MAX_RATIO = 100

    # Where uploaded files live (cdess/storage): "local", the UPLOAD_DIR folder (one server),
    # or "s3", a bucket of an S3-compatible server shared by several servers (created by
    # `flask init-db` when missing; private: downloads go through the application).
    STORAGE = "local"
    S3_ENDPOINT_URL = None  # e.g. http://127.0.0.1:8333; unset: Amazon S3 itself
    S3_BUCKET = "cdess"
    S3_ACCESS_KEY_ID = None
    S3_SECRET_ACCESS_KEY = None  # a secret: CDESS_S3_SECRET_ACCESS_KEY or instance/config.py
    S3_REGION = "us-east-1"

    # A label is valid for this many years; renewal opens this many months before it ends.
    LABEL_VALIDITY_YEARS = 2
    RENEWAL_WINDOW_MONTHS = 6
    # A renewal filed in time keeps the label valid while examined, this long after its end at
    # most (a session cycle: two sessions a year).
    RENEWAL_GRACE_MONTHS = 6
    # After a major charter version, signatures of older versions still count this long.
    CHARTER_RESIGN_GRACE_MONTHS = 3
    # The yearly verification sample: this share of the labelled structures (at least one),
    # whose own follow-up is due this many days after the draw.
    FOLLOWUP_SAMPLE_RATE = 0.10
    FOLLOWUP_SAMPLE_DAYS = 60
    # Named in the « voies et délais de recours » of a decision (not admissible, refusal).
    APPEAL_COURT = "tribunal administratif de Lille"

    # The legal pages (mentions légales, données personnelles, accessibilité): who publishes,
    # who hosts, whom to write to. The demo's values: the Pas-de-Calais hosting its own service.
    PUBLISHER_ADDRESS = "Hôtel du Département, rue Ferdinand Buisson, 62018 Arras Cedex 9"
    PUBLICATION_DIRECTOR = "Le président du Conseil départemental du Pas-de-Calais"
    HOST_NAME = "Département du Pas-de-Calais, direction des systèmes d'information"
    HOST_ADDRESS = "Hôtel du Département, rue Ferdinand Buisson, 62018 Arras Cedex 9"
    HOST_PHONE = ""  # the host's telephone (LCEN art. 6): shown when set
    DPO_EMAIL = "dpo@cdess.test"
    ACCESSIBILITY_CONTACT = "accessibilite@cdess.test"
    # The last accessibility audit (ISO date) and the day the statement was written from it.
    ACCESSIBILITY_AUDIT_DATE = "2026-12-02"
    ACCESSIBILITY_STATEMENT_DATE = "2026-12-02"

    # The public verification form reads at most this much of an uploaded PDF.
    VERIFY_MAX_BYTES = 5 * 1024 * 1024

    # The Département's electronic seal on certificates and minutes (cdess/certificates/seal.py):
    # a PKCS#12 file (None: instance/sceau.p12, a self-signed development seal made when missing,
    # outside production) and its password, from CDESS_SEAL_PASSWORD only (None: no password).
    # The signature's reason, place and contact; its signer's name is DEPARTEMENT_NAME.
    SEAL_PKCS12 = None
    SEAL_PASSWORD = None
    SEAL_REASON = "Sceau électronique du Département du Pas-de-Calais"
    SEAL_LOCATION = "Arras"
    SEAL_CONTACT = ""
    # Visitors without an account get the registry's pages from a cache at most this old when
    # only structures changed (a certificate's change shows at once); 0 turns the cache off.
    REGISTRY_CACHE_SECONDS = 60

    # Redis shared by every server (redis://host:6379/0), when there are several: the job
    # queue, the rate limits (unless RATELIMIT_STORAGE_URL is set) and the registry cache's
    # version. None: one server, nothing shared.
    # Jobs: RQ's queue « cdess », run by `flask worker`; without Redis, inline after the commit.
    REDIS_URL = None

    RATELIMIT_STORAGE_URL = "memory://"
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    # Evidence uploads per account, whatever the address.
    RATELIMIT_UPLOAD = "30 per minute;300 per hour"
    # Reports from the public: per address by the limiter, then per sender (the keyed hash of
    # the address, or the email given) counted in the database over 24 hours; a file at most.
    RATELIMIT_REPORT = "5 per minute;30 per day"
    REPORTS_PER_SENDER_PER_DAY = 3
    REPORT_MAX_FILE_BYTES = 5 * 1024 * 1024
    # The public verification API (/api/v1), per address, for all its answers together.
    RATELIMIT_API = "60 per minute;1000 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    # Failed logins for one address, whatever the client's: that many within the window lock
    # the address for the window's length (its owner is told by email).
    LOGIN_ACCOUNT_LIMIT = "10 per 15 minutes"
    # How many reverse proxies in front of the app set X-Forwarded-For and -Proto: the client's
    # address (the rate limits' key) is read through that many. 0: none, the peer's address.
    TRUSTED_PROXIES = 0

    PASSWORD_MIN_LENGTH = 12
    # werkzeug's default: scrypt, n=2**15, r=8, p=1
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  # nosec B105  # a method name, not a password
    CONFIRM_TOKEN_MAX_AGE = timedelta(days=2)
    RESET_TOKEN_MAX_AGE = timedelta(hours=2)
    INVITATION_TOKEN_MAX_AGE = timedelta(days=14)
    MEMBERSHIP_INVITATION_MAX_AGE = timedelta(days=14)  # joining a structure

    MAIL_SERVER = None  # no server: emails are written to OUTBOX_DIR
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_FROM = "CDESS <ne-pas-repondre@cdess.test>"
    OUTBOX_DIR = None  # default: instance/outbox

    DEMO_PASSWORD = "demo-cdess-62"  # noqa: S105  # nosec B105  # public, demo data only
    PER_PAGE = 50

    # Retention (`flask retention`, daily): accounts never confirmed, drafts untouched, accounts
    # inactive (erased after an emailed warning sent so many days before).
    RETENTION_UNCONFIRMED_DAYS = 30
    RETENTION_DRAFT_YEARS = 2
    RETENTION_INACTIVE_YEARS = 3
    RETENTION_WARNING_DAYS = 30
