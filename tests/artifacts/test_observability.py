"""Artifacts tier: the Prometheus configuration, alert rules and Grafana dashboard of every
variant with use_prometheus=y pass promtool and hold together."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from prodstarter_tools.matrix import VARIANTS

PROMETHEUS_VARIANTS = [name for name, answers in VARIANTS.items() if answers["use_prometheus"] == "y"]
WEB_ALERTS = {"HighServerErrorRatio", "HighLatencyP95", "ServiceNotReady", "WebDown"}
TASK_ALERTS = {"WorkerDown", "TaskQueueBacklog"}
CREDIT_ALERTS = {"CreditHoldsExpiringFasterThanUsual", "CreditLedgerMismatch"}
TASK_PANELS = {"Task throughput", "Task failures", "Task duration", "Task backlog"}
# A metric selector: a name followed by its label matchers.
SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{")


def promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool comes from Debian's prometheus package: run `make promtool` (as root)"
    return path


def check(*args: str, cwd: Path) -> str:
    result = subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def prometheus_dir(rendered, variant, tmp_path) -> Path:
    """The variant's observability/prometheus, with the token file its scrape config names."""
    directory = tmp_path / "prometheus"
    shutil.copytree(rendered(variant) / "observability" / "prometheus", directory)
    (directory / "metrics-token").write_text("a-token-for-promtool\n")
    return directory


@pytest.mark.parametrize("variant", PROMETHEUS_VARIANTS)
def test_scrape_config_is_valid(prometheus_dir, variant):
    check("check", "config", "prometheus.yml", cwd=prometheus_dir)
    config = yaml.safe_load((prometheus_dir / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    slug = next(iter(jobs)).removesuffix("-web")
    expected = {f"{slug}-web"} | ({f"{slug}-worker"} if VARIANTS[variant]["task_queue"] != "none" else set())
    assert set(jobs) == expected
    for job in jobs.values():
        assert job["authorization"]["credentials_file"] == "metrics-token", "the token comes from a file"


@pytest.mark.parametrize("variant", PROMETHEUS_VARIANTS)
def test_alert_rules_pass_promtool_and_their_unit_tests(prometheus_dir, variant):
    check("check", "rules", "alerts.yml", cwd=prometheus_dir)
    check("test", "rules", "alerts_test.yml", cwd=prometheus_dir)

    rules = yaml.safe_load((prometheus_dir / "alerts.yml").read_text())
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    has_tasks = VARIANTS[variant]["task_queue"] != "none"
    has_credits = VARIANTS[variant]["credits"] == "y"
    assert alerts == WEB_ALERTS | (TASK_ALERTS if has_tasks else set()) | (
        CREDIT_ALERTS if has_credits else set()
    )
    # Each alert is tested both ways: once expected to fire, once expected to stay quiet.
    tests = yaml.safe_load((prometheus_dir / "alerts_test.yml").read_text())["tests"]
    outcomes = {
        (case["alertname"], bool(case["exp_alerts"])) for test in tests for case in test["alert_rule_test"]
    }
    assert outcomes == {(alert, fires) for alert in alerts for fires in (True, False)}


@pytest.mark.parametrize("variant", PROMETHEUS_VARIANTS)
def test_dashboard_uses_its_datasource_variable_everywhere(rendered, variant):
    project = rendered(variant)
    dashboard = json.loads((project / "observability/grafana/dashboards/service.json").read_text())
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"

    panels = dashboard["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), f"panel ids repeat: {ids}"
    for panel in panels:
        if panel["type"] == "row":
            continue  # a heading over the panels below it, with no query of its own
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]
            assert SELECTOR.search(target["expr"]), f"{panel['title']}: no metric selector"

    titles = {panel["title"] for panel in panels}
    assert {"Request rate", "Server error ratio", "Latency", "Database time"} <= titles
    has_tasks = VARIANTS[variant]["task_queue"] != "none"
    assert (titles >= TASK_PANELS) == has_tasks
    assert not (TASK_PANELS & titles) or has_tasks


@pytest.mark.parametrize("variant", PROMETHEUS_VARIANTS)
def test_grafana_provisioning_points_at_the_dashboards(rendered, variant):
    provisioning = rendered(variant) / "observability/grafana/provisioning"
    [datasource] = yaml.safe_load((provisioning / "datasources/prometheus.yml").read_text())["datasources"]
    assert datasource["type"] == "prometheus"
    [provider] = yaml.safe_load((provisioning / "dashboards/dashboards.yml").read_text())["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"]
