"""Management commands run in the test's process, as an operator runs them."""

from io import StringIO

from django.core.management import call_command


def command_output(name: str, *args: str) -> str:
    """Run ``manage.py name args``; what it printed, on stdout and stderr in order."""
    output = StringIO()
    call_command(name, *args, stdout=output, stderr=output)
    return output.getvalue()
