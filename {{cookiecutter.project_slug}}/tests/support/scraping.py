"""Scraping a real server from the tests, and the metric names observability/ relies on."""

import re
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.support.subprocesses import PROJECT_DIR

TOKEN = "a-metrics-token-for-the-tests-0123456789abcdef"
OBSERVABILITY = PROJECT_DIR / "observability"
# A metric selector in PromQL: the name, then its label matchers.
SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}")


def scrape(
    url: str, *, token: str = TOKEN, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    """The status and body of a GET of ``url`` with the metrics token."""
    request = urllib.request.Request(  # noqa: S310 (a URL the test builds)
        url, headers={"Authorization": f"Bearer {token}", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(
        value
        for (sample, sample_labels), value in samples(text).items()
        if sample == name and wanted <= sample_labels
    )


def names_in(text: str) -> set[str]:
    """Every metric and sample name a scrape shows, those of families without samples too."""
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def referenced_metrics(job: str) -> set[str]:
    """The metrics that the alert rules and the dashboard select from ``job`` (web, worker)."""
    sources: list[Path] = [
        OBSERVABILITY / "prometheus" / "alerts.yml",
        OBSERVABILITY / "grafana" / "dashboards" / "service.json",
    ]
    names = set()
    for source in sources:
        for name, matchers in SELECTOR.findall(source.read_text()):
            # `up` is Prometheus's own, recorded for every scrape; JSON escapes the quotes.
            if name != "up" and (f'-{job}"' in matchers or f'-{job}\\"' in matchers):
                names.add(name)
    return names
