#!/bin/sh
# The image's entry point (under tini): the first argument names the role to run.
#
#   web        gunicorn, configured by gunicorn.conf.py (GUNICORN_BIND, default 0.0.0.0:8000)
{%- if cookiecutter.task_queue == "celery" %}
#   worker     a Celery worker
#   scheduler  celery beat, which sends the periodic tasks: run exactly one
{%- elif cookiecutter.task_queue == "postgres" %}
#   worker     a procrastinate worker, which also defers the periodic tasks
{%- endif %}
#   migrate    apply the database migrations, then exit; without the statement timeout
#              the service's requests have (an index on a large table takes its time)
#   anything else runs as a command, e.g. `python manage.py createsuperuser`
#
# Each role replaces this shell (exec), so the signals tini forwards reach it directly.
set -eu

# Load the settings before a role starts: a missing or invalid variable then stops the
# container at once (exit 78) with one line naming it, instead of a crash loop of
# tracebacks.
preflight() {
    python -m config.preflight
}

if [ "$#" -eq 0 ]; then
    set -- web
fi
role="$1"
shift

case "$role" in
    web)
        preflight
        exec gunicorn --config /app/gunicorn.conf.py "$@"
        ;;
{%- if cookiecutter.task_queue == "celery" %}
    worker)
        preflight
        exec celery --app config --quiet worker "$@"
        ;;
    scheduler)
        preflight
        exec celery --app config --quiet beat --pidfile /tmp/celerybeat.pid "$@"
        ;;
{%- elif cookiecutter.task_queue == "postgres" %}
    worker)
        preflight
        exec python manage.py procrastinate worker "$@"
        ;;
{%- endif %}
    migrate)
        preflight
        export DATABASE_STATEMENT_TIMEOUT=0
        exec python manage.py migrate --no-input "$@"
        ;;
    *)
        exec "$role" "$@"
        ;;
esac
