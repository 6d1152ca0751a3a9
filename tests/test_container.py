"""The container for a shared deployment (Dockerfile, .dockerignore, compose.yaml, deploy/).

Static checks always run. ``test_image_builds_and_is_healthy`` builds the image from a copy of
the project's files and waits for its health check; it is marked ``container`` (slow: deselect
with ``-m "not container"``) and skips, saying why, where no container tool can build.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import tomllib
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = [
    line.strip()
    for line in (ROOT / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICE = COMPOSE["services"]["workbench"]


def _instructions(name: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def test_base_is_debian_slim_with_python_311():
    (base_arg,) = [a for a in _instructions("ARG") if a.startswith("BASE_IMAGE=")]
    assert base_arg == "BASE_IMAGE=debian:bookworm-slim"
    assert _instructions("FROM") == ["${BASE_IMAGE}"]
    assert "sys.version_info[:2] == (3, 11)" in DOCKERFILE


def test_runs_as_an_unprivileged_user():
    users = _instructions("USER")
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert "--uid 10001" in DOCKERFILE


def test_health_check_asks_streamlit_health_endpoint():
    (check,) = _instructions("HEALTHCHECK")
    assert "/app/deploy/healthcheck.py" in check
    assert "/_stcore/health" in (ROOT / "deploy" / "healthcheck.py").read_text()
    assert SERVICE["healthcheck"]["test"] == ["CMD", "python", "/app/deploy/healthcheck.py"]


def test_store_is_on_the_data_volume():
    assert _instructions("VOLUME") == ['["/data"]']
    assert any("WORKBENCH_DATA_DIR=/data" in env for env in _instructions("ENV"))
    assert SERVICE["environment"]["WORKBENCH_DATA_DIR"] == "/data"
    volumes = {v["target"]: v for v in SERVICE["volumes"]}
    assert volumes["/data"]["type"] == "volume"
    assert volumes["/data"]["source"] in COMPOSE["volumes"]


def test_no_secrets_or_clutter_go_into_the_image():
    for pattern in (".git", ".streamlit/secrets.toml", "tests", "artifacts", ".hypothesis"):
        assert pattern in IGNORED, pattern
    assert "*.sqlite3" in IGNORED
    copied = " ".join(_instructions("COPY"))
    assert "secrets" not in copied
    assert not re.search(r"COPY \.\s", DOCKERFILE), "copy named paths, not the whole context"


def test_compose_maps_port_secrets_restart():
    assert SERVICE["ports"] == ["127.0.0.1:8501:8501"]  # only the proxy on this host
    secrets = {v["target"]: v for v in SERVICE["volumes"]}["/app/.streamlit/secrets.toml"]
    assert secrets["type"] == "bind" and secrets["read_only"] is True
    assert secrets["source"] == "./deploy/secrets.toml"
    assert SERVICE["restart"] == "unless-stopped"
    assert SERVICE["read_only"] is True and "/tmp" in SERVICE["tmpfs"]
    assert SERVICE["cap_drop"] == ["ALL"]


def test_secrets_example_has_sign_in_tables_and_is_not_the_real_file():
    example = tomllib.loads((ROOT / "deploy" / "secrets.example.toml").read_text())
    assert set(example["auth"]) >= {
        "redirect_uri",
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
    }
    assert example["auth"]["redirect_uri"].endswith("/oauth2callback")
    assert set(example["workbench"]) == {"coordinators", "retention_days", "audit_days"}


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        ok = self.path == "/wb/_stcore/health"
        self.send_response(200 if ok else 404)
        self.end_headers()
        self.wfile.write(b"ok" if ok else b"no")

    def log_message(self, *args):
        pass


def test_health_check_script_passes_and_fails(monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = [shutil.which("python") or "python", str(ROOT / "deploy" / "healthcheck.py")]
    env = {**os.environ, "STREAMLIT_SERVER_PORT": str(server.server_port)}
    try:
        good = {**env, "STREAMLIT_SERVER_BASE_URL_PATH": "/wb/"}
        assert subprocess.run(script, env=good, capture_output=True).returncode == 0
        bad = subprocess.run(script, env=env, capture_output=True, text=True)
        assert bad.returncode == 1 and "unhealthy" in bad.stderr
    finally:
        server.shutdown()


def test_backup_copies_what_is_still_in_the_wal(tmp_path):
    source = tmp_path / "scenarios.sqlite3"
    writer = sqlite3.connect(source)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x)")
    writer.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(500)])
    writer.commit()  # still open: the rows are in the -wal file, not the main file
    target = tmp_path / "copy" / "backup.sqlite3"
    script = [shutil.which("python") or "python", str(ROOT / "deploy" / "backup.py")]
    done = subprocess.run([*script, str(source), str(target)], capture_output=True, text=True)
    writer.close()
    assert done.returncode == 0, done.stderr
    assert sqlite3.connect(target).execute("SELECT count(*) FROM t").fetchone()[0] == 500
    again = subprocess.run([*script, str(source), str(target)], capture_output=True, text=True)
    assert again.returncode == 1 and "exists already" in again.stderr


# ---- the real build (slow) ----------------------------------------------------------------

BUILD_TIMEOUT_S = 3600
HEALTHY_WITHIN_S = 180
CONTEXT_SKIP = {".git", "tests", "artifacts", ".hypothesis", ".venv", "node_modules", "out"}


def _container_tool() -> str:
    """A tool whose daemon answers, or pytest.skip with the reason."""
    found = [name for name in ("docker", "podman") if shutil.which(name)]
    if not found:
        pytest.skip("no container tool: neither docker nor podman is installed")
    reasons = []
    for tool in found:
        info = subprocess.run([tool, "info"], capture_output=True, text=True, timeout=60)
        if info.returncode == 0:
            return tool
        reasons.append(f"{tool}: {(info.stderr or info.stdout).strip().splitlines()[-1:]}")
    pytest.skip("no container daemon reachable: " + "; ".join(reasons))


def _base_image(tool: str) -> str:
    """The base image (WORKBENCH_CONTAINER_BASE_IMAGE overrides), present or pullable."""
    base = os.environ.get("WORKBENCH_CONTAINER_BASE_IMAGE", "debian:bookworm-slim")
    if subprocess.run([tool, "image", "inspect", base], capture_output=True).returncode == 0:
        return base
    pulled = subprocess.run([tool, "pull", base], capture_output=True, text=True, timeout=600)
    if pulled.returncode != 0:
        pytest.skip(f"base image {base} is not here and cannot be pulled: {pulled.stderr.strip()}")
    return base


def _context(tmp_path: Path) -> Path:
    """A copy of the project's files, plus this machine's CA bundle (a TLS-inspecting proxy)."""
    context = tmp_path / "context"
    shutil.copytree(
        ROOT,
        context,
        ignore=lambda folder, names: [n for n in names if n in CONTEXT_SKIP],
    )
    bundle = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    if bundle and Path(bundle).is_file():
        shutil.copy(bundle, context / "deploy" / "ca-certificates" / "build-host.crt")
    return context


@pytest.mark.container
def test_image_builds_and_is_healthy(tmp_path):
    tool = _container_tool()
    base = _base_image(tool)
    tag = f"workbench-test:{uuid.uuid4().hex[:8]}"
    name = f"workbench-test-{uuid.uuid4().hex[:8]}"
    build = [tool, "build", "--network", "host", "--build-arg", f"BASE_IMAGE={base}", "-t", tag]
    built = subprocess.run(
        [*build, str(_context(tmp_path))], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    try:
        # As compose runs it: read-only root, no capabilities; no network at all (nothing is
        # fetched at run time, and the health check asks the server from inside).
        run = [tool, "run", "-d", "--name", name, "--network", "none", "--read-only"]
        run += ["--tmpfs", "/tmp", "--tmpfs", "/home/workbench", "--cap-drop", "ALL"]
        run += ["--health-interval", "3s", tag]
        started = subprocess.run(run, capture_output=True, text=True, timeout=120)
        assert started.returncode == 0, started.stderr
        status, deadline = "", time.monotonic() + HEALTHY_WITHIN_S
        while time.monotonic() < deadline and status != "healthy":
            time.sleep(3)
            status = subprocess.run(
                [tool, "inspect", "--format", "{{.State.Health.Status}}", name],
                capture_output=True,
                text=True,
            ).stdout.strip()
        logs = subprocess.run([tool, "logs", name], capture_output=True, text=True)
        assert status == "healthy", logs.stdout[-2000:] + logs.stderr[-2000:]
        whoami = subprocess.run([tool, "exec", name, "id", "-u"], capture_output=True, text=True)
        assert whoami.stdout.strip() == "10001"
        store = subprocess.run(
            [
                tool,
                "exec",
                name,
                "python",
                "-c",
                "from workbench.scenarios.store import ScenarioStore, default_store_path as p;"
                "ScenarioStore(p()); print(p())",
            ],
            capture_output=True,
            text=True,
        )
        assert store.stdout.strip() == "/data/scenarios.sqlite3", store.stderr
    finally:
        subprocess.run([tool, "rm", "-f", "-v", name], capture_output=True)
        subprocess.run([tool, "rmi", "-f", tag], capture_output=True)
