# The peer-support planning workbench for a department's shared server.
#
#   docker build -t workbench .
#   docker run -d --name workbench -p 127.0.0.1:8501:8501 -v workbench-data:/data workbench
#
# Debian 12 (bookworm) slim with Debian's own Python 3.11, so the operating system and the
# interpreter both get Debian's security updates (rebuild to take them). The app runs as an
# unprivileged user; saved cohorts and plans live in the volume /data; the sign-in secrets are
# mounted at run time (compose.yaml), never copied into the image. docs/deployment.md explains
# the settings, the proxy in front and backups.
#
# BASE_IMAGE lets IT build from its own registry's copy of the same image, e.g.
#   docker build --build-arg BASE_IMAGE=registry.example.ac.uk/debian:bookworm-slim -t workbench .
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/workbench \
    PATH=/opt/workbench/bin:$PATH \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt

# python3 is 3.11 on bookworm; tini reaps the solve and reading worker processes the app starts;
# ca-certificates for pip now and for the identity provider at sign-in.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv tini ca-certificates \
    && apt-get upgrade -y \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -c "import sys; assert sys.version_info[:2] == (3, 11), sys.version"

# Behind a proxy that inspects TLS (or an identity provider with the university's own CA): put
# its CA certificate (PEM, ending .crt) in deploy/ca-certificates/ before building. Python, pip
# and the sign-in all use the system's trust store (the ENV above).
COPY deploy/ca-certificates/ /usr/local/share/ca-certificates/workbench/
RUN update-ca-certificates \
    && python3 -m venv "$VIRTUAL_ENV" \
    && python -m pip install --upgrade pip

WORKDIR /app

# The dependencies first (from pyproject.toml alone), so a change to the code reuses this layer.
COPY pyproject.toml README.md ./
RUN python -c "import subprocess, sys, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
subprocess.check_call([sys.executable, '-m', 'pip', 'install', *deps])"

# The core package (installed, its source then removed), then the app and what it reads at run
# time: nothing else goes in (.dockerignore keeps the rest out of the build context too).
COPY workbench ./workbench
RUN pip install --no-deps . && pip check && rm -rf build ./*.egg-info ./workbench
COPY app.py ./
COPY app_common ./app_common
COPY app_pages ./app_pages
COPY sample_data ./sample_data
COPY .streamlit/config.toml ./.streamlit/config.toml
COPY deploy/healthcheck.py deploy/backup.py ./deploy/

# An unprivileged user owning only the data folder; the code stays root-owned and read-only to it.
RUN groupadd --system --gid 10001 workbench \
    && useradd --system --uid 10001 --gid workbench --home-dir /home/workbench \
       --create-home --shell /usr/sbin/nologin workbench \
    && mkdir -p /data && chown workbench:workbench /data && chmod 0700 /data

ENV WORKBENCH_DATA_DIR=/data \
    HOME=/home/workbench
VOLUME ["/data"]
USER workbench:workbench
# Streamlit's default port (STREAMLIT_SERVER_PORT changes it; the health check follows).
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]

ENTRYPOINT ["tini", "--"]
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0"]
