#!/usr/bin/env python
"""Django's command-line utility; development settings unless DJANGO_SETTINGS_MODULE is set."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.development")
{%- if cookiecutter.use_opentelemetry == "y" %}
    from {{ cookiecutter.project_slug }}.common.tracing import configure_tracing_for_command

    # Before Django loads: the Django instrumentation adds its middleware to the settings.
    configure_tracing_for_command(sys.argv)
{%- endif %}
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
