"""Who may read the operational endpoints that are not part of the API (/metrics, detailed health).

Two kinds of caller are let in: one that presents a shared secret as a bearer token, and
one connecting straight from a trusted network (a scraper inside the cluster).
"""

import hmac
import ipaddress
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def bearer_token(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if the request has one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def bearer_token_matches(request: HttpRequest, *, token: str) -> bool:
    """Whether the request presents ``token``; never when no token is configured.

    Compared in constant time, so the response time tells nothing about the secret.
    """
    presented = bearer_token(request)
    if not token or presented is None:
        return False
    return hmac.compare_digest(presented.encode(), token.encode())


def client_in_networks(request: HttpRequest, *, networks: Iterable[Network]) -> bool:
    """Whether the peer's address is in one of ``networks``.

    Only a direct connection counts. Behind a load balancer or ingress the peer is the
    proxy, whose address may well be inside the cluster's network; a proxied request
    (one with X-Forwarded-For) must present the token instead.
    """
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in networks)


def parse_networks(value: str, *, setting: str) -> list[Network]:
    """The networks of a comma-separated list of CIDRs, e.g. ``10.0.0.0/8, ::1/128``.

    A malformed entry stops the process, naming the setting: a typo must neither open
    an endpoint nor silently close it.
    """
    networks: list[Network] = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{setting}: {entry!r} is not a network in CIDR notation (e.g. 10.0.0.0/8): {exc}"
            ) from exc
    return networks
