"""Load the project's .env file, the developer's local configuration.

Only the development and test layers call this: production takes its configuration from
the real environment, so a stray .env can never configure a deployed service.
"""

from pathlib import Path

import environ

DOTENV_FILE = Path(__file__).resolve().parents[3] / ".env"


def load_dotenv() -> None:
    """Copy .env into os.environ; variables already set in the environment win."""
    if DOTENV_FILE.is_file():
        environ.Env.read_env(DOTENV_FILE)
