"""Where media are stored, from one setting: ``VMS_MEDIA_STORE``.

Every byte is sealed by ``privacy.storage`` whichever store holds it; this only picks the
inner store, so production and the embedded default run one code path:

* empty or ``file:///srv/veil/media`` — local disk (``MEDIA_ROOT``, or the path given): the
  embedded default, or a volume several worker hosts share;
* ``s3://bucket/optional/prefix?endpoint_url=https://minio.internal:9000&region_name=eu-west-1``
  — an S3-compatible object store (AWS S3, MinIO, Ceph). Credentials never go in the URL:
  boto3's own chain supplies them (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, a
  credentials file, an instance role).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "signature_version", "verify"}


def media_storage(url: str) -> dict:
    """``STORAGES["default"]`` for ``url`` (see the module's docstring)."""
    url = (url or "").strip()
    if not url:
        return {"BACKEND": "privacy.storage.EncryptedMediaStorage"}
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ImproperlyConfigured(
            "VMS_MEDIA_STORE must not carry credentials; give them to the object store's "
            "client through its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)."
        )
    if parts.scheme == "file":
        if not parts.path.startswith("/"):
            raise ImproperlyConfigured("VMS_MEDIA_STORE file:// needs an absolute path.")
        return {
            "BACKEND": "privacy.storage.EncryptedMediaStorage",
            "OPTIONS": {"location": parts.path},
        }
    if parts.scheme == "s3":
        if not parts.hostname:
            raise ImproperlyConfigured("VMS_MEDIA_STORE s3:// needs a bucket: s3://bucket/prefix")
        query = dict(parse_qsl(parts.query))
        unknown = set(query) - S3_OPTIONS
        if unknown:
            raise ImproperlyConfigured(
                f"VMS_MEDIA_STORE: unknown option(s) {', '.join(sorted(unknown))}; "
                f"expected some of {', '.join(sorted(S3_OPTIONS))}."
            )
        options = {"bucket_name": parts.hostname, "location": parts.path.strip("/"), **query}
        if "verify" in options:
            options["verify"] = options["verify"].lower() not in {"0", "false", "no"}
        return {"BACKEND": "privacy.storage.EncryptedS3MediaStorage", "OPTIONS": options}
    raise ImproperlyConfigured(
        f"VMS_MEDIA_STORE: unsupported scheme {parts.scheme!r}; use file:// or s3://."
    )
