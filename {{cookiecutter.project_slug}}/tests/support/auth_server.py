"""A local stand-in for Supabase Auth: its public keys at the JWKS address, served over real
HTTP by a thread of the test process, and access tokens signed as Supabase signs them."""

import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

JWKS_PATH = "/auth/v1/.well-known/jwks.json"
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

# The stand-ins the service trusts while a test runs (the supabase_auth fixture), found by
# helpers that sign a user's token without the test handing them one.
_trusted: list["SupabaseAuthServer"] = []


class SigningKey:
    """One of the project's asymmetric signing keys, as Supabase Auth holds it."""

    def __init__(self, algorithm: str = "ES256") -> None:
        self.algorithm = algorithm
        self.kid = str(uuid.uuid4())
        self.private: PrivateKey = (
            ec.generate_private_key(ec.SECP256R1())
            if algorithm == "ES256"
            else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )

    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        jwk: dict[str, Any] = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


class SupabaseAuthServer:
    """Publishes its keys at ``url`` + JWKS_PATH and counts the fetches; ``available`` False
    makes it answer 503, as an Auth server that is down behind its gateway does."""

    def __init__(self) -> None:
        self.keys = [SigningKey()]
        self.jwt_secret = secrets.token_urlsafe(32)
        self.fetches = 0
        self.available = True
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = f"{self.url}/auth/v1"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        auth = self

        class JwksHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != JWKS_PATH:
                    self.send_error(404)
                    return
                auth.fetches += 1
                if not auth.available:
                    self.send_error(503)
                    return
                body = json.dumps({"keys": [key.public_jwk() for key in auth.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # Quiet: the test reads the fetch count instead.

        return JwksHandler

    def __enter__(self) -> Self:
        # A short poll: shutdown() waits up to one interval, paid by every test's teardown.
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def rotate(self, algorithm: str = "ES256") -> SigningKey:
        """A new current key, published beside the previous ones."""
        key = SigningKey(algorithm)
        self.keys.append(key)
        return key

    def user_claims(self, *, subject: uuid.UUID, email: str, **extra: Any) -> dict[str, Any]:
        """The claims of a signed-in user's access token, as Supabase Auth issues them."""
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": "authenticated",
            "sub": str(subject),
            "exp": now + 3600,
            "iat": now,
            "role": "authenticated",
            "aal": "aal1",
            "session_id": str(uuid.uuid4()),
            "email": email,
            "phone": "",
            "is_anonymous": False,
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "user_metadata": {"email_verified": True},
            **extra,
        }

    def sign(self, claims: dict[str, Any], *, key: SigningKey | None = None) -> str:
        """``claims`` signed with ``key`` (the newest by default), its kid in the header."""
        key = key or self.keys[-1]
        return jwt.encode(claims, key.private, algorithm=key.algorithm, headers={"kid": key.kid})

    def token(
        self, *, subject: uuid.UUID | None = None, email: str = "ada@example.com", **extra: Any
    ) -> str:
        """A signed-in user's access token, signed with the newest key."""
        claims = self.user_claims(subject=subject or uuid.uuid4(), email=email, **extra)
        return self.sign(claims)

    def api_key(self, role: str) -> str:
        """The anon or service-role key, signed with the JWT secret as a self-hosted stack's."""
        now = int(time.time())
        claims = {"role": role, "iss": "supabase", "iat": now, "exp": now + 5 * 365 * 86400}
        return jwt.encode(claims, self.jwt_secret, algorithm="HS256")

    @contextmanager
    def trusted(self) -> Iterator[Self]:
        """While inside, trusted_auth() answers with this stand-in."""
        _trusted.append(self)
        try:
            yield self
        finally:
            _trusted.remove(self)


def trusted_auth() -> SupabaseAuthServer:
    """The stand-in Supabase Auth the service trusts in the running test."""
    if not _trusted:
        raise RuntimeError("No Supabase Auth stand-in is trusted: the test needs supabase_auth.")
    return _trusted[-1]
