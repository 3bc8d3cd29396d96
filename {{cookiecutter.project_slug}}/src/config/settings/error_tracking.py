"""Error tracking: Sentry (common.error_tracking), on when SENTRY_DSN is set."""

from config.settings.base import SERVICE_VERSION, env

from {{ cookiecutter.project_slug }}.common.error_tracking import sample_rate

SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE = env.str(
    "SENTRY_RELEASE",
    default=f"{{ cookiecutter.project_slug }}@{SERVICE_VERSION}",
)
# Shares of the errors reported and of the requests traced by Sentry's own performance
# monitoring (off by default{% if cookiecutter.use_opentelemetry == "y" %}: OpenTelemetry traces the requests{% endif %}).
SENTRY_SAMPLE_RATE = sample_rate(
    env.str("SENTRY_SAMPLE_RATE", default="1.0"), variable="SENTRY_SAMPLE_RATE"
)
SENTRY_TRACES_SAMPLE_RATE = sample_rate(
    env.str("SENTRY_TRACES_SAMPLE_RATE", default="0.0"), variable="SENTRY_TRACES_SAMPLE_RATE"
)
