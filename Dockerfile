# Veil's application image: web (daphne), worker and scheduler (celery) run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# ffmpeg: camera streams and clips; libgl1 + libglib2.0-0: OpenCV's runtime libraries.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --uid 10001 veil \
    && mkdir /data && chown veil:veil /data

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are part of the image. Production settings need their required values to load;
# these placeholders exist only for this build step and are not used at run time. Static files
# are public and built as root for the veil user to read: the umask here is 022, not Veil's 077.
ENV VMS_STATIC_ROOT=/app/staticfiles VMS_DATA_DIR=/data
RUN VMS_UMASK=022 \
    VMS_DEPLOYMENT=production \
    VMS_SECRET_KEY=collectstatic-build-step-only-not-used-at-run-time-000000000000 \
    VMS_DATABASE_URL=postgres://unused@localhost/unused \
    VMS_REDIS_URL=redis://localhost:6379/0 \
    VMS_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

USER veil
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "vms.asgi:application"]
