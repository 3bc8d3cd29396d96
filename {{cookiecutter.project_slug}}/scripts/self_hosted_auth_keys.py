"""Keys for a self-hosted Supabase stack, made with the standard library alone.

The template's post-generation hook writes them into a new project's .env, and only the
standard library is sure to be there: no PyJWT, no cryptography. So the HS256 tokens are
signed with hmac, and the ES256 signing key is computed on the P-256 curve in plain Python.
`python scripts/self_hosted_auth_keys.py` prints a fresh set, as .env lines.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid

# NIST P-256 (secp256r1, FIPS 186-4 D.1.2.3): y^2 = x^3 - 3x + b modulo the prime P; the
# base point G generates a group of prime order N.
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
# The lifetime Supabase's self-hosting guide gives its anon and service role keys.
FIVE_YEARS = 5 * 365 * 24 * 60 * 60

Point = tuple[int, int] | None  # None is the point at infinity


def base64url(data: bytes) -> str:
    """Base64url without padding: the encoding of every part of a JWT and of a JWK."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact_json(value: object) -> str:
    """JSON without spaces: it goes unquoted into .env, and into JWTs as Supabase makes them."""
    return json.dumps(value, separators=(",", ":"))


def hs256_jwt(claims: dict[str, object], secret: str) -> str:
    """``claims`` as a JWT signed HS256 with ``secret``, as Supabase's API gateway checks it."""
    header = base64url(compact_json({"alg": "HS256", "typ": "JWT"}).encode())
    payload = base64url(compact_json(claims).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{base64url(signature)}"


def _add(p1: Point, p2: Point) -> Point:
    """The sum of two points of the curve, in affine coordinates."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * x1 * x1 - 3) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def p256_key_pair() -> tuple[int, tuple[int, int]]:
    """A random P-256 private scalar d and its public point d·G.

    Double-and-add leaks d through its timing; that does not matter here, where a key is
    made once, on the developer's own machine, with nobody timing it."""
    d = secrets.randbelow(N - 1) + 1
    public: Point = None
    addend: Point = G
    k = d
    while k:
        if k & 1:
            public = _add(public, addend)
        addend = _add(addend, addend)
        k >>= 1
    if public is None or (public[1] ** 2 - public[0] ** 3 + 3 * public[0] - B) % P:
        raise ArithmeticError("the computed P-256 public key is not on the curve")
    return d, public


def _coordinate(value: int) -> str:
    """A P-256 integer as a JWK member: its 32 big-endian bytes, base64url."""
    return base64url(value.to_bytes(32, "big"))


def self_hosted_keys(*, now: int | None = None) -> dict[str, str]:
    """The variables .env gets for a self-hosted Supabase stack, all freshly random.

    The anon and service role keys are HS256 JWTs signed with the JWT secret, with the
    claims of Supabase's self-hosting guide, issued at ``now`` (the current time by
    default) for five years. The EC key lets Supabase Auth sign ES256 tokens that any
    service checks against the public JWKS, without sharing the secret. Each value goes
    unquoted into .env: none holds whitespace, `#`, `$`, a backslash or a single quote, and
    none starts with a quote (JSON's double quotes are inside its brackets)."""
    issued = int(time.time()) if now is None else now
    secret = secrets.token_urlsafe(48)
    d, (x, y) = p256_key_pair()
    private = {
        "kty": "EC",
        "crv": "P-256",
        "x": _coordinate(x),
        "y": _coordinate(y),
        "d": _coordinate(d),
        "kid": str(uuid.uuid4()),
        "alg": "ES256",
        "use": "sig",
        "key_ops": ["sign", "verify"],
    }
    public = {name: value for name, value in private.items() if name != "d"}
    public["key_ops"] = ["verify"]

    def role_key(role: str) -> str:
        claims = {"role": role, "iss": "supabase", "iat": issued, "exp": issued + FIVE_YEARS}
        return hs256_jwt(claims, secret)

    return {
        "SUPABASE_JWT_SECRET": secret,
        "SUPABASE_ANON_KEY": role_key("anon"),
        "SUPABASE_SERVICE_ROLE_KEY": role_key("service_role"),
        "SUPABASE_JWT_KEYS": compact_json([private]),
        "SUPABASE_JWKS": compact_json({"keys": [public]}),
    }


if __name__ == "__main__":
    for name, value in self_hosted_keys().items():
        print(f"{name}={value}")
