"""Artifacts tier: the Helm chart of every variant that has one lints, renders, validates
against Kubernetes' own schemas, passes checkov, and carries exactly the service's
environment contract."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import helm_python as helm
import kubernetes_validate
import pytest
import yaml
from helm_python.errors import HelmValuesError

from prodstarter_tools.harness import chart_name
from prodstarter_tools.matrix import VARIANTS

HELM_VARIANTS = [name for name, answers in VARIANTS.items() if answers["use_helm"] == "y"]
MONITORED_VARIANTS = [name for name in HELM_VARIANTS if VARIANTS[name]["use_prometheus"] == "y"]
WORKER_VARIANTS = [name for name in HELM_VARIANTS if VARIANTS[name]["task_queue"] != "none"]
KUBERNETES_VERSION = kubernetes_validate.utils.latest_version()
RELEASE = "shop-api"
NAMESPACE = "production"
# Rendered from values.yaml alone, and with the chart's realistic production values.
VALUE_SETS = ("default", "production")

# Same rule as the rendered project's tests/test_env_contract.py: commented-out
# assignments document optional variables, and the service's part of .env.example ends
# where the variables docker compose reads begin.
ASSIGNMENT = re.compile(r"#?\s*([A-Z][A-Z0-9_]*)=")
COMPOSE_MARKER = "# ---- Read by docker compose (compose.yaml), not by the service ----"
# Variables of the contract the chart rightly leaves alone.
NOT_SET_BY_THE_CHART = {
    # Written by gunicorn.conf.py and the Celery worker for their own processes.
    "PROMETHEUS_MULTIPROC_DIR",
    # Baked into the image by its build (docker build --build-arg GIT_COMMIT=...).
    "GIT_COMMIT",
}

# checkov findings the chart skips through annotations, and the kinds of objects they are
# skipped on; its README.md gives the reasons.
CHECKOV_SKIPS = {
    "CKV_K8S_43": {"Deployment", "Job", "Pod"},
    "CKV_K8S_35": {"Deployment", "Job"},
    "CKV_K8S_8": {"Pod"},
    "CKV_K8S_9": {"Pod"},
}

HOOK_WEIGHT = "helm.sh/hook-weight"
WORKLOAD_KINDS = {"Deployment", "Job", "Pod"}

# Helm's rule for chart names (https://helm.sh/docs/chart_best_practices/conventions/),
# which `helm lint` does not enforce: lowercase letters, digits and dashes.
CHART_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# What a pod may write besides /tmp before its ephemeral-storage limit: its container's
# log, which the kubelet rotates at five files of 10Mi by default.
LOG_ROOM = 50 * 2**20
BINARY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def chart_dir(project: Path) -> Path:
    return project / "charts" / chart_name(project.name)


def quantity(value: str) -> int:
    """A Kubernetes quantity of bytes in the binary units the chart uses (256Mi, 1Gi)."""
    number, suffix = re.fullmatch(r"([0-9]+)([KMGT]i)?", value).groups()
    return int(number) * BINARY_SUFFIXES.get(suffix, 1)


def production_values(project: Path) -> dict:
    return yaml.safe_load((chart_dir(project) / "ci" / "production-values.yaml").read_text())


@cache
def manifests(project: Path, value_set: str) -> tuple[dict, ...]:
    """Every object the chart renders (hooks and `helm test` pods included), in file order."""
    return render_chart(project, production_values(project) if value_set == "production" else None)


def render_chart(project: Path, values: dict | None) -> tuple[dict, ...]:
    """Every object the chart renders with ``values`` over values.yaml."""
    chart = helm.Chart.load(chart_dir(project))
    rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    return tuple(
        document
        for path, text in sorted(rendered.items())
        if path.endswith(".yaml")
        for document in yaml.safe_load_all(text)
        if document
    )


def objects(project: Path, value_set: str, kind: str) -> list[dict]:
    return [document for document in manifests(project, value_set) if document["kind"] == kind]


def by_name(project: Path, value_set: str, kind: str) -> dict[str, dict]:
    return {document["metadata"]["name"]: document for document in objects(project, value_set, kind)}


def pod_template(workload: dict) -> dict:
    """The pod a workload runs: the Pod itself, or the template of a Deployment or Job."""
    return workload if workload["kind"] == "Pod" else workload["spec"]["template"]


def pod_spec(workload: dict) -> dict:
    return pod_template(workload)["spec"]


def workloads(project: Path, value_set: str) -> list[dict]:
    return [document for document in manifests(project, value_set) if document["kind"] in WORKLOAD_KINDS]


def component(document: dict) -> str:
    return document["metadata"]["labels"]["app.kubernetes.io/component"]


def service_containers(project: Path, value_set: str) -> dict[str, dict]:
    """The containers that run the service (every workload but the `helm test` pod), by component."""
    return {
        component(workload): container
        for workload in workloads(project, value_set)
        if component(workload) != "test"
        for container in pod_spec(workload)["containers"]
    }


def contract(project: Path) -> set[str]:
    """The variables the service reads, as .env.example lists them."""
    service_part = (project / ".env.example").read_text().split(COMPOSE_MARKER)[0]
    return {match[1] for line in service_part.splitlines() if (match := ASSIGNMENT.match(line))}


def environment(project: Path, value_set: str, container: dict) -> set[str]:
    """Names of the variables a container gets: its env, and the keys of what envFrom names."""
    config_maps = by_name(project, value_set, "ConfigMap")
    secrets = by_name(project, value_set, "Secret")
    names = {variable["name"] for variable in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(config_maps[source["configMapRef"]["name"]]["data"])
        else:
            names |= set(secrets[source["secretRef"]["name"]]["stringData"])
    return names


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_chart_is_named_by_helms_rule_after_its_folder(rendered, variant):
    project = rendered(variant)
    (folder,) = (project / "charts").iterdir()
    name = helm.Chart.load(folder).metadata["name"]
    assert CHART_NAME.match(name), f"chart name {name!r} breaks Helm's naming rule"
    assert name == folder.name
    assert name == project.name.replace("_", "-")


def test_chart_naming_is_checked_on_slugs_with_underscores(rendered):
    """The rule bites on the slug's underscores: the parametrisation above must meet some."""
    slugs = {rendered(variant).name for variant in HELM_VARIANTS}
    assert {"my_service", "py312_service_with_a_long_name"} <= slugs


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_chart_lints_clean(rendered, variant):
    chart = chart_dir(rendered(variant))
    for values in (None, production_values(rendered(variant))):
        report = helm.lint(chart, values, strict=True, namespace=NAMESPACE)
        problems = [message for message in report["messages"] if message["severity"] >= 2]
        assert report["errors"] == [], report
        assert problems == [], report


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_values_schema_accepts_both_value_files_and_rejects_bad_values(rendered, variant):
    project = rendered(variant)
    chart = helm.Chart.load(chart_dir(project))
    schema = chart.schema
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["additionalProperties"] is False

    chart.validate_schema(None)
    chart.validate_schema(production_values(project))

    bad_values = {
        "at '/web/replicas': got string, want integer": {"web": {"replicas": "three"}},
        "at '': additional properties 'replicaCount' not allowed": {"replicaCount": 3},
        "at '/env': additional properties 'DJANGO_ALOWED_HOSTS' not allowed": {
            "env": {"DJANGO_ALOWED_HOSTS": "api.example.com"}
        },
        "at '/env/LOG_LEVEL': value must be one of": {"env": {"LOG_LEVEL": "LOUD"}},
        "at '/web/resources/limits': missing property 'memory'": {
            "web": {"resources": {"limits": {"memory": None}}}
        },
        "at '/migrate/resources/requests': missing property 'ephemeral-storage'": {
            "migrate": {"resources": {"requests": {"ephemeral-storage": None}}}
        },
    }
    for message, values in bad_values.items():
        with pytest.raises(HelmValuesError, match=re.escape(message)):
            chart.validate_schema(values)


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_schema_knows_exactly_the_keys_of_values_yaml(rendered, variant):
    """additionalProperties false only helps if every documented key is allowed."""
    chart = helm.Chart.load(chart_dir(rendered(variant)))
    properties = chart.schema["properties"]
    assert set(properties) == set(chart.values)
    for section in ("env", "secrets"):
        assert set(properties[section]["properties"]) == set(chart.values[section]), section


@pytest.mark.parametrize("value_set", VALUE_SETS)
@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_manifests_are_valid_kubernetes_objects(rendered, variant, value_set):
    """Strict validation against the newest Kubernetes schemas kubernetes-validate ships.

    The ServiceMonitor is a custom resource, which kubernetes-validate has no schema for and
    no faithful one can be fetched offline: test_service_monitor checks its fields instead.
    """
    project = rendered(variant)
    for document in manifests(project, value_set):
        if document["kind"] == "ServiceMonitor":
            continue
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_checkov_finds_nothing(rendered, tmp_path):
    """One checkov run over every variant's manifests: starting checkov takes most of its time."""
    for variant in HELM_VARIANTS:
        project = rendered(variant)
        for value_set in VALUE_SETS:
            folder = tmp_path / variant / value_set
            folder.mkdir(parents=True)
            for index, document in enumerate(manifests(project, value_set)):
                name = f"{index:02d}-{document['kind'].lower()}-{document['metadata']['name']}.yaml"
                (folder / name).write_text(yaml.safe_dump(document))
    checkov = shutil.which("checkov")
    assert checkov, "checkov is a dev dependency of the template; run `make setup`"
    command = [checkov, "--directory", str(tmp_path), "--framework", "kubernetes"]
    # --skip-download: no call to checkov's vendor for its guidelines (CI reaches PyPI only).
    command += ["--output", "json", "--compact", "--skip-download"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.stdout, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["parsing_errors"] == 0
    results = report["results"]

    failed = [
        f"{check['check_id']} {check['check_name']}: {check['file_path']}"
        for check in results["failed_checks"]
    ]
    assert failed == []
    scanned = {check["file_path"].strip("/").split("/")[0] for check in results["passed_checks"]}
    assert scanned == set(HELM_VARIANTS)
    skipped = {}
    for check in results["skipped_checks"]:
        skipped.setdefault(check["check_id"], set()).add(check["resource"].split(".")[0])
    assert skipped == CHECKOV_SKIPS


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_chart_readme_gives_the_reason_for_each_checkov_skip(rendered, variant):
    readme = (chart_dir(rendered(variant)) / "README.md").read_text()
    for check in CHECKOV_SKIPS:
        assert re.search(rf"^\| `{check}` \| \w.+ \|$", readme, re.MULTILINE), check


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_containers_get_exactly_the_environment_contract(rendered, variant):
    project = rendered(variant)
    expected = contract(project) - NOT_SET_BY_THE_CHART
    containers = service_containers(project, "default")
    assert containers
    for name, container in containers.items():
        assert environment(project, "default", container) == expected, name


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_existing_secret_replaces_the_charts_own(rendered, variant):
    project = rendered(variant)
    existing = production_values(project)["existingSecret"]
    assert objects(project, "production", "Secret") == []
    for name, container in service_containers(project, "production").items():
        secrets = [source["secretRef"]["name"] for source in container["envFrom"] if "secretRef" in source]
        assert secrets == [existing], name


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_components_follow_the_options(rendered, variant):
    project = rendered(variant)
    answers = VARIANTS[variant]
    roles = {"celery": ["web", "worker", "scheduler"], "postgres": ["web", "worker"], "none": ["web"]}
    deployments = objects(project, "default", "Deployment")
    assert sorted(component(deployment) for deployment in deployments) == sorted(roles[answers["task_queue"]])

    secret_keys = set(objects(project, "default", "Secret")[0]["stringData"])
    assert ("REDIS_URL" in secret_keys) == (answers["cache"] == "redis")
    assert ("CELERY_BROKER_URL" in secret_keys) == (answers["task_queue"] == "celery")
    assert ("METRICS_TOKEN" in secret_keys) == (answers["use_prometheus"] == "y")
    assert ("SENTRY_DSN" in secret_keys) == (answers["use_sentry"] == "y")

    for value_set in VALUE_SETS:
        kinds = {document["kind"] for document in manifests(project, value_set)}
        monitored = answers["use_prometheus"] == "y" and value_set == "production"
        assert ("ServiceMonitor" in kinds) == monitored, value_set

    worker_ports = [
        port["name"]
        for deployment in deployments
        if component(deployment) == "worker"
        for port in pod_spec(deployment)["containers"][0].get("ports", [])
    ]
    has_worker_metrics = answers["use_prometheus"] == "y" and answers["task_queue"] != "none"
    assert worker_ports == (["metrics"] if has_worker_metrics else [])


@pytest.mark.parametrize("variant", MONITORED_VARIANTS)
def test_service_monitor(rendered, variant):
    """What the Prometheus Operator needs: endpoints whose ports the selected Services have,
    the token from the Secret the pods read, and the job labels the shipped alerts use."""
    project = rendered(variant)
    answers = VARIANTS[variant]
    (monitor,) = objects(project, "production", "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor["spec"]) == {"selector", "endpoints"}
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    selector = monitor["spec"]["selector"]["matchLabels"]
    services = [
        service
        for service in objects(project, "production", "Service")
        if selector.items() <= service["metadata"]["labels"].items()
    ]
    ports = {port["name"] for service in services for port in service["spec"]["ports"]}
    existing = production_values(project)["existingSecret"]
    jobs = {}
    for endpoint in monitor["spec"]["endpoints"]:
        assert set(endpoint) == {"port", "path", "interval", "scrapeTimeout", "authorization", "relabelings"}
        assert endpoint["port"] in ports
        assert endpoint["path"] == "/metrics"
        assert endpoint["authorization"] == {
            "type": "Bearer",
            "credentials": {"name": existing, "key": "METRICS_TOKEN"},
        }
        (relabeling,) = endpoint["relabelings"]
        assert relabeling["action"] == "replace"
        assert relabeling["targetLabel"] == "job"
        jobs[endpoint["port"]] = relabeling["replacement"]
    slug = project.name
    expected = {"http": f"{slug}-web"}
    if answers["task_queue"] != "none":
        expected["metrics"] = f"{slug}-worker"
    assert jobs == expected
    alerts = (project / "observability" / "prometheus" / "alerts.yml").read_text()
    for job in expected.values():
        assert f'job="{job}"' in alerts


@pytest.mark.parametrize("value_set", VALUE_SETS)
@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_every_pod_is_locked_down(rendered, variant, value_set):
    project = rendered(variant)
    image = f"{production_values(project)['image']['repository']}:" if value_set == "production" else ""
    for workload in workloads(project, value_set):
        name = workload["metadata"]["name"]
        spec = pod_spec(workload)
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        }, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert set(container["resources"]) == {"requests", "limits"}, name
            for bounds in container["resources"].values():
                assert set(bounds) == {"cpu", "memory", "ephemeral-storage"}, name
            requested = quantity(container["resources"]["requests"]["ephemeral-storage"])
            limit = quantity(container["resources"]["limits"]["ephemeral-storage"])
            assert 0 < requested <= limit, name
            assert container["image"].startswith(image), name
        if component(workload) != "test":
            (container,) = spec["containers"]
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], name
            (tmp,) = [volume for volume in spec["volumes"] if volume["name"] == "tmp"]
            # A pod that fills /tmp is evicted for /tmp, not for the storage of the pod.
            assert quantity(tmp["emptyDir"]["sizeLimit"]) + LOG_ROOM <= limit, name


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_every_pod_is_covered_by_a_network_policy(rendered, variant):
    project = rendered(variant)
    policies = objects(project, "default", "NetworkPolicy")
    for workload in workloads(project, "default"):
        labels = pod_template(workload)["metadata"]["labels"].items()
        selectors = [policy["spec"]["podSelector"]["matchLabels"].items() for policy in policies]
        assert any(selector <= labels for selector in selectors), workload["metadata"]["name"]
    (web_policy,) = [policy for policy in policies if policy["metadata"]["name"].endswith("-web")]
    allowed = web_policy["spec"]["ingress"][0]
    assert allowed["ports"] == [{"port": "http", "protocol": "TCP"}]
    ingress_controller = {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    assert {"namespaceSelector": ingress_controller} in allowed["from"]
    (test_pod,) = objects(project, "default", "Pod")
    same_namespace_pods = [
        peer["podSelector"]["matchLabels"] for peer in allowed["from"] if set(peer) == {"podSelector"}
    ]
    assert any(
        selector.items() <= test_pod["metadata"]["labels"].items() for selector in same_namespace_pods
    ), "`helm test` could not reach the web pods"


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_restricted_egress_keeps_dns_and_adds_the_given_rules(rendered, variant):
    project = rendered(variant)
    (policy,) = [
        policy
        for policy in objects(project, "production", "NetworkPolicy")
        if "app.kubernetes.io/component" not in policy["spec"]["podSelector"]["matchLabels"]
    ]
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    egress = policy["spec"]["egress"]
    assert egress[0] == {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}
    assert egress[2:] == production_values(project)["networkPolicy"]["egress"]
    default_policies = objects(project, "default", "NetworkPolicy")
    assert all("Egress" not in policy["spec"]["policyTypes"] for policy in default_policies)


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_probes(rendered, variant):
    project = rendered(variant)
    containers = service_containers(project, "default")
    web = containers["web"]
    assert web["args"] == ["web"]
    assert web["ports"] == [
        {"name": "http", "containerPort": 8000, "protocol": "TCP"},
        {"name": "liveness", "containerPort": 8001, "protocol": "TCP"},
    ]
    # Each worker answers /livez on a port of its own, from a thread of its own: the
    # probe must not queue behind requests stuck on a hung dependency (issue 12).
    assert web["startupProbe"]["httpGet"] == {"path": "/livez", "port": "liveness"}
    assert web["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "liveness"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    config_map = objects(project, "default", "ConfigMap")[0]["data"]
    assert config_map["GUNICORN_BIND"] == "0.0.0.0:8000"
    assert config_map["GUNICORN_LIVENESS_PORT"] == "8001"
    for role in ("worker", "scheduler"):
        if role in containers:
            check = ["python", "/app/deploy/healthcheck.py", role]
            assert containers[role]["args"][0] == role
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert containers[role][probe]["exec"]["command"] == check, (role, probe)
    if VARIANTS[variant]["task_queue"] == "celery":
        # Celery would start a process per CPU of the node, not of the pod.
        assert containers["worker"]["args"] == ["worker", "--concurrency", "2"]
    if "worker" in containers and "WORKER_METRICS_PORT" in config_map:
        assert config_map["WORKER_METRICS_PORT"] == str(containers["worker"]["ports"][0]["containerPort"])


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_one_scheduler_at_a_time(rendered, variant):
    project = rendered(variant)
    schedulers = [d for d in objects(project, "production", "Deployment") if component(d) == "scheduler"]
    if VARIANTS[variant]["task_queue"] != "celery":
        assert schedulers == []
        return
    (scheduler,) = schedulers
    assert scheduler["spec"]["replicas"] == 1
    assert scheduler["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_migrations_run_as_a_hook_after_the_configuration_exists(rendered, variant):
    project = rendered(variant)
    (job,) = objects(project, "default", "Job")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation,hook-succeeded"
    assert job["spec"]["backoffLimit"] >= 0
    assert job["spec"]["activeDeadlineSeconds"] > 0
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert pod_spec(job)["containers"][0]["args"] == ["migrate"]
    # Everything the Job's pod refers to is itself a pre-install hook that Helm creates first.
    for kind in ("ConfigMap", "Secret", "ServiceAccount"):
        (needed,) = objects(project, "default", kind)
        needed_annotations = needed["metadata"]["annotations"]
        assert {"pre-install", "pre-upgrade"} <= set(needed_annotations["helm.sh/hook"].split(",")), kind
        assert int(needed_annotations[HOOK_WEIGHT]) < int(annotations[HOOK_WEIGHT]), kind


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_production_values_scale_and_expose_the_service(rendered, variant):
    project = rendered(variant)
    values = production_values(project)
    web = by_name(project, "production", "Deployment")[f"{RELEASE}-{project.name.replace('_', '-')}-web"]
    assert "replicas" not in web["spec"], "the HPA owns the replica count"
    (autoscaler,) = objects(project, "production", "HorizontalPodAutoscaler")
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == web["metadata"]["name"]
    assert autoscaler["spec"]["minReplicas"] >= 2
    (ingress,) = objects(project, "production", "Ingress")
    hosts = values["ingress"]["hosts"]
    assert ingress["spec"]["ingressClassName"] == values["ingress"]["className"]
    issuer = ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
    assert issuer == values["ingress"]["clusterIssuer"]
    assert ingress["spec"]["tls"][0]["hosts"] == hosts
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == hosts
    config_map = objects(project, "production", "ConfigMap")[0]["data"]
    assert set(hosts) <= set(config_map["DJANGO_ALLOWED_HOSTS"].split(","))
    assert objects(project, "production", "PodDisruptionBudget")


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_config_map_holds_values_as_the_service_parses_them(rendered, variant):
    """Helm reads numbers as floats: the service's int() must never see 3.1536e+07."""
    project = rendered(variant)
    config_map = objects(project, "default", "ConfigMap")[0]["data"]
    assert config_map["DJANGO_SECURE_HSTS_SECONDS"] == "31536000"
    assert config_map["DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE"] == "2621440"
    assert config_map["DJANGO_SECURE_SSL_REDIRECT"] == "true"
    if VARIANTS[variant]["use_sentry"] == "y":
        # An empty SENTRY_RELEASE would name no release at all: the chart fills in the image's.
        app_version = helm.Chart.load(chart_dir(project)).metadata["appVersion"]
        assert config_map["SENTRY_RELEASE"] == f"{project.name}@{app_version}"


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_helm_test_pod_asks_the_service_for_readyz(rendered, variant):
    project = rendered(variant)
    (pod,) = objects(project, "default", "Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    (service,) = [
        service for service in objects(project, "default", "Service") if component(service) == "web"
    ]
    (container,) = pod["spec"]["containers"]
    web = service_containers(project, "default")["web"]
    assert container["image"] == web["image"], "the test pulls nothing but the service's image"
    assert container["args"][:2] == ["python", "-c"]
    url = f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}/readyz"
    assert container["args"][3] == url


@pytest.mark.parametrize("variant", HELM_VARIANTS)
def test_workers_get_a_disruption_budget_from_two_replicas(rendered, variant):
    project = rendered(variant)
    if variant not in WORKER_VARIANTS:
        assert not (chart_dir(project) / "templates" / "worker-pdb.yaml").exists()
        budgets = [d for d in manifests(project, "default") if d["kind"] == "PodDisruptionBudget"]
        assert [component(budget) for budget in budgets] == ["web"]
        return

    def budgets(replicas: int) -> tuple[dict[str, dict], tuple[dict, ...]]:
        documents = render_chart(project, {"worker": {"replicas": replicas}})
        found = {component(d): d for d in documents if d["kind"] == "PodDisruptionBudget"}
        return found, documents

    found, documents = budgets(2)
    assert set(found) == {"web", "worker"}
    budget = found["worker"]
    kubernetes_validate.validate(budget, KUBERNETES_VERSION, strict=True)
    assert budget["spec"]["maxUnavailable"] == 1
    selector = budget["spec"]["selector"]["matchLabels"].items()
    selected = [
        workload["metadata"]["name"]
        for workload in documents
        if workload["kind"] in WORKLOAD_KINDS
        and selector <= pod_template(workload)["metadata"]["labels"].items()
    ]
    assert selected == [f"{RELEASE}-{chart_name(project.name)}-worker"]

    found, _ = budgets(1)
    assert set(found) == {"web"}
