"""The container's health check: exit 0 when Streamlit answers ``/_stcore/health`` with 200.

Run by the Dockerfile's HEALTHCHECK inside the container (standard library only). It asks the
server on this machine directly, not through the proxy; when the app is served under a sub-path
(``STREAMLIT_SERVER_BASE_URL_PATH``, e.g. ``workbench``) the endpoint moves under it too.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_S = 4.0


def health_url(environ: dict[str, str] | None = None) -> str:
    """The health endpoint's address, from the port and sub-path Streamlit is told to use."""
    env = os.environ if environ is None else environ
    port = env.get("STREAMLIT_SERVER_PORT", "").strip() or "8501"
    base = env.get("STREAMLIT_SERVER_BASE_URL_PATH", "").strip().strip("/")
    prefix = f"/{base}" if base else ""
    return f"http://127.0.0.1:{port}{prefix}/_stcore/health"


def main() -> int:
    url = health_url()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            body = response.read(64).decode("utf-8", "replace").strip()
            if response.status == 200:
                return 0
            print(f"unhealthy: {url} answered {response.status} {body}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
