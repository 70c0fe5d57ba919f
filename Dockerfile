# Communiqué API image. The app finds alembic.ini and migrations/ next to its package
# (app/config.py PROJECT_ROOT = the parent of app/), so the project is installed in place
# (editable) in /srv/communique rather than copied into site-packages.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8000

RUN groupadd --system communique \
    && useradd --system --gid communique --home-dir /srv/communique --shell /usr/sbin/nologin communique

WORKDIR /srv/communique

COPY pyproject.toml README.md alembic.ini ./
COPY app/ app/
COPY migrations/ migrations/

RUN pip install -e . \
    && python -c "from app.config import PROJECT_ROOT; assert (PROJECT_ROOT / 'alembic.ini').is_file(), PROJECT_ROOT" \
    && mkdir -p var \
    && chown communique:communique var

USER communique

EXPOSE 8000

CMD ["communique", "serve"]
