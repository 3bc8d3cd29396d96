"""scripts/self_hosted_auth_keys.py, which writes a self-hosted Supabase stack's keys into .env with
the standard library alone: PyJWT and cryptography check that what it makes is what
Supabase reads."""

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.utils import base64url_decode

PROJECT_DIR = Path(__file__).resolve().parents[1]
NOW = 1_750_000_000
FIVE_YEARS = 5 * 365 * 86400


def load_self_hosted_auth_keys() -> ModuleType:
    """The script, loaded from its path: scripts/ is not a package."""
    path = PROJECT_DIR / "scripts" / "self_hosted_auth_keys.py"
    spec = importlib.util.spec_from_file_location("self_hosted_auth_keys", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


self_hosted_auth_keys = load_self_hosted_auth_keys()


def private_jwk(keys: dict[str, str]) -> dict[str, object]:
    (jwk,) = json.loads(keys["SUPABASE_JWT_KEYS"])
    return dict(jwk)


def base64url_int(value: object) -> int:
    assert isinstance(value, str)
    return int.from_bytes(base64url_decode(value), "big")


@pytest.mark.parametrize(
    ("variable", "role"),
    [("SUPABASE_ANON_KEY", "anon"), ("SUPABASE_SERVICE_ROLE_KEY", "service_role")],
)
def test_role_keys_are_hs256_jwts_with_supabase_claims(variable: str, role: str) -> None:
    keys = self_hosted_auth_keys.self_hosted_keys(now=NOW)
    token = keys[variable]

    claims = jwt.decode(
        token, keys["SUPABASE_JWT_SECRET"], algorithms=["HS256"], options={"verify_aud": False}
    )

    assert claims == {"role": role, "iss": "supabase", "iat": NOW, "exp": NOW + FIVE_YEARS}
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


def test_role_key_does_not_verify_with_another_secret() -> None:
    keys = self_hosted_auth_keys.self_hosted_keys(now=NOW)
    other_secret = self_hosted_auth_keys.self_hosted_keys(now=NOW)["SUPABASE_JWT_SECRET"]

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(keys["SUPABASE_ANON_KEY"], other_secret, algorithms=["HS256"])


def test_signing_key_is_a_p256_key_whose_public_point_matches_d() -> None:
    jwk = private_jwk(self_hosted_auth_keys.self_hosted_keys())

    key = jwt.PyJWK(jwk).key
    derived = ec.derive_private_key(base64url_int(jwk["d"]), ec.SECP256R1())

    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(key.curve, ec.SECP256R1)
    numbers = derived.public_key().public_numbers()
    assert (numbers.x, numbers.y) == (base64url_int(jwk["x"]), base64url_int(jwk["y"]))
    assert key.private_numbers() == derived.private_numbers()
    assert {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig"}.items() <= jwk.items()
    assert jwk["key_ops"] == ["sign", "verify"]


def test_token_signed_with_the_private_key_verifies_with_the_public_jwks() -> None:
    keys = self_hosted_auth_keys.self_hosted_keys()
    private = private_jwk(keys)
    kid = str(private["kid"])
    claims = {"role": "authenticated", "iss": "supabase", "sub": "someone"}
    token = jwt.encode(claims, jwt.PyJWK(private).key, algorithm="ES256", headers={"kid": kid})

    jwks = json.loads(keys["SUPABASE_JWKS"])
    public = jwt.PyJWKSet.from_dict(jwks)[kid]

    assert jwt.decode(token, public.key, algorithms=["ES256"]) == claims
    assert isinstance(public.key, ec.EllipticCurvePublicKey)
    [public_jwk] = jwks["keys"]
    assert "d" not in public_jwk
    assert public_jwk["key_ops"] == ["verify"]
    assert public_jwk == {
        name: value for name, value in private.items() if name not in {"d", "key_ops"}
    } | {"key_ops": ["verify"]}


def test_each_call_makes_new_keys() -> None:
    first, second = (
        self_hosted_auth_keys.self_hosted_keys(),
        self_hosted_auth_keys.self_hosted_keys(),
    )

    assert first["SUPABASE_JWT_SECRET"] != second["SUPABASE_JWT_SECRET"]
    assert private_jwk(first)["kid"] != private_jwk(second)["kid"]
    assert private_jwk(first)["d"] != private_jwk(second)["d"]


def test_values_go_unquoted_into_an_env_file() -> None:
    """Docker compose and django-environ read an unquoted value to the end of its line, and
    take it as quoted only when a quote opens (or wraps) it: JSON's inner double quotes stay
    as they are. Compose cuts a comment at `#` and expands `$`; whitespace, a single quote
    or a backslash would need quoting too."""
    keys = self_hosted_auth_keys.self_hosted_keys()

    assert set(keys) == {
        "SUPABASE_JWT_SECRET",
        "SUPABASE_ANON_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
        "SUPABASE_JWT_KEYS",
        "SUPABASE_JWKS",
    }
    assert len(keys["SUPABASE_JWT_SECRET"]) >= 40
    for name in ("SUPABASE_JWT_SECRET", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY"):
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", keys[name]), name
    for name in ("SUPABASE_JWT_KEYS", "SUPABASE_JWKS"):
        value = keys[name]
        assert value[0] in "[{", name
        assert value[-1] in "]}", name
        assert not re.search(r"[\s#$'\\`]", value), name
        assert json.dumps(json.loads(value), separators=(",", ":")) == value
