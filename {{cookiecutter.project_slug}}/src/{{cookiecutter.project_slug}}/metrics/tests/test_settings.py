"""METRICS_TOKEN and METRICS_ALLOWED_NETWORKS: closed by default, loud when malformed."""

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support.settings_layers import load, load_base
from tests.support.subprocesses import production_env


def test_production_keeps_metrics_closed_by_default(environment: dict[str, str]) -> None:
    environment.update(production_env())

    production = load("production")

    assert production["METRICS_TOKEN"] == ""
    assert production["METRICS_ALLOWED_NETWORKS"] == []


def test_production_reads_the_token(environment: dict[str, str]) -> None:
    environment.update(production_env(METRICS_TOKEN="t" * 40))

    assert load("production")["METRICS_TOKEN"] == "t" * 40


def test_the_networks_are_a_comma_separated_list(environment: dict[str, str]) -> None:
    environment["METRICS_ALLOWED_NETWORKS"] = " 10.0.0.0/8, fd00::/8 ,"

    assert load_base()["METRICS_ALLOWED_NETWORKS"] == [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("fd00::/8"),
    ]


def test_production_refuses_a_weak_metrics_token(environment: dict[str, str]) -> None:
    environment.update(production_env(METRICS_TOKEN="secret"))

    with pytest.raises(ImproperlyConfigured, match="METRICS_TOKEN is too short"):
        load("production")


@pytest.mark.parametrize("networks", ["10.0.0/8", "10.0.0.1/8", "everyone"])
def test_a_malformed_network_is_refused_by_name(environment: dict[str, str], networks: str) -> None:
    environment["METRICS_ALLOWED_NETWORKS"] = f"127.0.0.1/32,{networks}"

    with pytest.raises(ImproperlyConfigured, match=f"METRICS_ALLOWED_NETWORKS: '{networks}'"):
        load_base()


def test_development_lets_this_machine_in(environment: dict[str, str]) -> None:
    development = load("development")

    assert development["METRICS_ALLOWED_NETWORKS"] == [
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    ]
