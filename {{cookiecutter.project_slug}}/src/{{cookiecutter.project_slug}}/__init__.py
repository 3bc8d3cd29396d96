"""The {{ cookiecutter.project_slug }} service: its Django apps and shared code."""
