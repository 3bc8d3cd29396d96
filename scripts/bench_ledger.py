"""Credit-ledger throughput of a rendered project with credits: reserve + capture pairs per
second, all on one hot account and spread over 100 accounts.

Run with the rendered project's interpreter, from the project's directory, with its
DATABASE_URL in the environment (PostgreSQL; the database migrated):

    cd <project> && .venv/bin/python /path/to/scripts/bench_ledger.py

THREADS threads, each on a connection of its own, post a reserve and capture it, as a
charged call does, for SECONDS; on one account every pair waits for the account's row
lock, spread over 100 they mostly do not. It prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path.cwd() / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from importlib import import_module  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

SLUG = os.environ["PROJECT_SLUG"]
services = import_module(f"{SLUG}.credits.services")
selectors = import_module(f"{SLUG}.credits.selectors")

THREADS = 8
SECONDS = 10.0
SPREAD_ACCOUNTS = 100


def pairs_per_second(users: list) -> float:
    stop_at = time.monotonic() + SECONDS
    done = [0] * THREADS

    def work(number: int) -> None:
        try:
            index = number
            while time.monotonic() < stop_at:
                user = users[index % len(users)]
                hold = services.credit_reserve(
                    user=user, amount=1, idempotency_key=str(uuid.uuid4()), timeout=timedelta(minutes=5)
                )
                services.credit_capture(hold=hold)
                done[number] += 1
                index += THREADS
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(number,)) for number in range(THREADS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(sum(done) / (time.monotonic() - started), 1)


def main() -> None:
    run = uuid.uuid4().hex[:8]
    users = [
        get_user_model().objects.create_user(email=f"ledger-{run}-{number}@example.com", password=None)
        for number in range(SPREAD_ACCOUNTS)
    ]
    for user in users:
        services.credit_grant(user=user, amount=10**9, idempotency_key=f"bench-{run}")
    figures = {
        "threads": THREADS,
        "seconds": SECONDS,
        "one_hot_account_pairs_per_second": pairs_per_second(users[:1]),
        "100_accounts_pairs_per_second": pairs_per_second(users),
        "ledger_mismatches_after": len(selectors.credit_ledger_mismatches()),
    }
    print(json.dumps({"ledger": figures}))


if __name__ == "__main__":
    main()
