"""The image tier's machinery: a Docker engine, a base image made from Debian packages, builds.

No container registry is reachable from the machines the tier runs on, so the base image
(python:3.13-slim by default in the rendered Dockerfile) is replaced by one built here
from Debian's own packages with debootstrap, and passed as ``--build-arg BASE_IMAGE``.
Debian trixie ships Python 3.13, so only 3.13 renders are built: no Debian release
ships 3.12.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from prodstarter_tools.harness import BUILD_DIR

# Debian's docker.io client: the engine's own version, with BuildKit (RUN --mount) support.
DOCKER = Path("/usr/bin/docker")
# Debian installs the daemon in /usr/sbin (Docker's own packages: /usr/bin).
DOCKERD = next(
    (path for path in (Path("/usr/sbin/dockerd"), Path("/usr/bin/dockerd")) if path.exists()),
    Path("/usr/sbin/dockerd"),
)
DOCKER_ENV = {**os.environ, "DOCKER_BUILDKIT": "1"}

BASE_REPOSITORY = "prodstarter-base"
BASE_PYTHON_VERSION = "3.13"
# Everything that decides the base image's content: its tag is a hash of this, so a
# machine that built it once skips the minute debootstrap takes.
BASE_RECIPE = {
    "suite": "trixie",
    "variant": "minbase",
    "include": "python3,python3-venv,ca-certificates",
    "mirror": "http://deb.debian.org/debian",
    "changes": ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "ENV LANG=C.UTF-8"],
    # Left out of the image: debootstrap's downloaded packages and apt's package lists.
    "removed": ["var/cache/apt/archives", "var/lib/apt/lists"],
}
# This machine's extra CA certificates. Its outbound TLS is intercepted, the situation of
# a build behind a corporate proxy, which is what the rendered deploy/ca-certificates/ is for.
HOST_CA_CERTIFICATES = Path("/usr/local/share/ca-certificates")


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> None:
    """Fail under REQUIRE_SERVICES=1 (CI), skip with the reason otherwise."""
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def docker(*args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the Docker client; with ``check``, fail with its output when it exits non-zero."""
    result = subprocess.run(
        [str(DOCKER), *args], capture_output=True, text=True, timeout=timeout, env=DOCKER_ENV, check=False
    )
    if check and result.returncode != 0:
        command = " ".join(args)
        output = result.stdout + result.stderr
        raise AssertionError(f"`docker {command}` exited {result.returncode}:\n{output}")
    return result


def engine_answers() -> bool:
    return docker("version", "--format", "{{.Server.Version}}", timeout=20, check=False).returncode == 0


@contextmanager
def machine_lock() -> Iterator[None]:
    """One test process at a time starts the engine or builds the base image: the presets
    run side by side (pytest-xdist), and two debootstraps into one folder fail."""
    BUILD_DIR.mkdir(exist_ok=True)
    with (BUILD_DIR / "image-tier.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_engine() -> None:
    """Make sure a Docker engine answers: start Debian's dockerd when we may, else skip or fail."""
    if not DOCKER.exists():
        unavailable(f"{DOCKER} is missing: `make docker-engine` installs Debian's docker.io")
    if engine_answers():
        return
    if not DOCKERD.exists() or os.geteuid() != 0:
        unavailable("the Docker engine does not answer and only root can start it (`sudo dockerd &`)")
    with machine_lock():
        # Another test process may have started it while this one waited for the lock.
        if engine_answers():
            return
        with (BUILD_DIR / "dockerd.log").open("a") as log:
            subprocess.Popen([str(DOCKERD)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while not engine_answers():
            if time.monotonic() > deadline:
                unavailable(f"dockerd did not answer within 60 s; see {BUILD_DIR / 'dockerd.log'}")
            time.sleep(1)


def base_image_tag() -> str:
    digest = hashlib.sha256(json.dumps(BASE_RECIPE, sort_keys=True).encode()).hexdigest()[:12]
    return f"{BASE_REPOSITORY}:trixie-{digest}"


def base_image() -> str:
    """The Debian base image (Python 3.13), built with debootstrap unless it exists already."""
    with machine_lock():
        return build_base_image()


def build_base_image() -> str:
    tag = base_image_tag()
    if docker("image", "inspect", tag, check=False).returncode == 0:
        return tag
    debootstrap = shutil.which("debootstrap") or "/usr/sbin/debootstrap"
    if not Path(debootstrap).exists() or os.geteuid() != 0:
        unavailable("building the base image needs root and debootstrap (`make docker-engine`)")
    rootfs = BUILD_DIR / "base-rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    rootfs.parent.mkdir(exist_ok=True)
    command = [
        debootstrap,
        f"--variant={BASE_RECIPE['variant']}",
        f"--include={BASE_RECIPE['include']}",
        BASE_RECIPE["suite"],
        str(rootfs),
        BASE_RECIPE["mirror"],
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if result.returncode != 0:
        log = rootfs / "debootstrap" / "debootstrap.log"
        details = log.read_text()[-3000:] if log.exists() else result.stdout[-3000:] + result.stderr
        raise AssertionError(f"debootstrap failed:\n{details}")
    for removed in BASE_RECIPE["removed"]:
        for entry in (rootfs / removed).glob("*"):
            if entry.is_file():
                entry.unlink()
    changes = [argument for change in BASE_RECIPE["changes"] for argument in ("--change", change)]
    with subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE) as tar:
        imported = subprocess.run(
            [str(DOCKER), "import", *changes, "-", tag],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            timeout=600,
            env=DOCKER_ENV,
            check=False,
        )
    assert imported.returncode == 0, f"docker import failed:\n{imported.stderr}"
    shutil.rmtree(rootfs, ignore_errors=True)
    return tag


def add_host_ca_certificates(project: Path) -> list[str]:
    """Copy this machine's extra CA certificates into the render's deploy/ca-certificates/."""
    target = project / "deploy" / "ca-certificates"
    copied = []
    for certificate in sorted(HOST_CA_CERTIFICATES.glob("*.crt")):
        shutil.copy(certificate, target / certificate.name)
        copied.append(certificate.name)
    return copied


def build_image(project: Path, tag: str, *, base: str, git_commit: str) -> float:
    """``docker build`` the rendered project; return the seconds it took."""
    started = time.perf_counter()
    docker(
        "build",
        "--build-arg",
        f"BASE_IMAGE={base}",
        "--build-arg",
        f"GIT_COMMIT={git_commit}",
        "--tag",
        tag,
        str(project),
        timeout=1200,
    )
    return time.perf_counter() - started


def image_size(tag: str) -> int:
    return int(docker("image", "inspect", tag, "--format", "{{.Size}}").stdout)


def layer_sizes(tag: str) -> list[tuple[str, str]]:
    """(size, instruction) of each layer, newest first, as `docker history` reports them."""
    output = docker("history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", tag).stdout
    layers = []
    for line in output.splitlines():
        size, _, created_by = line.partition("\t")
        layers.append((size, " ".join(created_by.split())[:100]))
    return layers


def describe_image(tag: str) -> str:
    lines = [f"image {tag}: {image_size(tag) / 1e6:.1f} MB"]
    lines += [f"  {size:>8}  {created_by}" for size, created_by in layer_sizes(tag)]
    return "\n".join(lines)
