"""The media store on an S3-compatible object store (``VMS_MEDIA_STORE=s3://…``): the same
sealing as local disk — the bucket holds only ciphertext, reads decrypt and seek, the retention
purge deletes objects — against a real S3 API server (moto's standalone server, in-process)."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from privacy.sealed_files import MAGIC
from privacy.services import keys
from privacy.services.retention import retention_purge
from tests.factories import CameraFactory
from tests.privacy.test_retention import alert_at
from vms.crypto import key_provider_reset
from vms.media_store import media_storage

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + os.urandom(300_000) + b"\xff\xd9"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "veil-test", "AWS_SECRET_ACCESS_KEY": "veil-test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch, tmp_path):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    name = f"veil-media-{os.urandom(4).hex()}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    settings.MASTER_KEY = ""
    settings.MASTER_KEY_FILE = tmp_path / "master_key"
    key_provider_reset()
    keys.cache_clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(
            f"s3://{name}/site-a?endpoint_url={s3_endpoint}&region_name=us-east-1"
        ),
    }
    yield client, name
    key_provider_reset()
    keys.cache_clear()


def objects(client, bucket_name) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket=bucket_name).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=bucket_name, Key=item["Key"])["Body"].read()
        for item in listing
    }


def test_the_bucket_holds_only_ciphertext_and_reads_decrypt_and_seek(bucket):
    client, bucket_name = bucket
    camera = CameraFactory()
    name = default_storage.save(f"alerts/{camera.pk}/2026/11/30/a-snapshot.jpg", ContentFile(JPEG))

    stored = objects(client, bucket_name)
    assert list(stored) == [f"site-a/{name}"]
    [ciphertext] = stored.values()
    assert ciphertext.startswith(MAGIC)
    assert b"\xff\xd8\xff" not in ciphertext and JPEG[1000:1100] not in ciphertext

    with default_storage.open(name) as handle:
        assert handle.read() == JPEG
        handle.seek(200_000)
        assert handle.read(64) == JPEG[200_000:200_064]
    assert default_storage.size(name) == len(JPEG)
    assert default_storage.scope_of(name) == f"camera:{camera.pk}:2026-11-30"


def test_a_name_is_never_overwritten(bucket):
    first = default_storage.save("alerts/1/2026/11/30/same.jpg", ContentFile(b"one"))
    second = default_storage.save("alerts/1/2026/11/30/same.jpg", ContentFile(b"two"))
    assert first != second
    assert default_storage.open(first).read() == b"one"


def test_retention_purges_expired_media_from_the_bucket(bucket):
    client, bucket_name = bucket
    camera = CameraFactory(retention_hours=1)
    old = alert_at(camera, timezone.now() - timedelta(hours=3))
    fresh = alert_at(camera, timezone.now() - timedelta(minutes=5), n=1)
    assert len(objects(client, bucket_name)) == 4  # a snapshot and a clip each

    summary = retention_purge()

    assert summary.items == 1  # one alert: its snapshot and its clip
    left = objects(client, bucket_name)
    assert sorted(left) == sorted(f"site-a/{f.name}" for f in (fresh.snapshot, fresh.clip))
    old.refresh_from_db()
    assert not old.snapshot and not old.clip


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://key:secret@bucket", "must not carry credentials"),
        ("s3:///prefix", "needs a bucket"),
        ("s3://bucket?acl=public-read", "unknown option"),
        ("ftp://host/media", "unsupported scheme"),
        ("file://relative", "absolute path"),
    ],
)
def test_a_bad_media_store_setting_is_a_clear_error(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        media_storage(url)


def test_the_embedded_default_and_a_shared_volume_are_local_disk(tmp_path):
    assert media_storage("")["BACKEND"] == "privacy.storage.EncryptedMediaStorage"
    shared = media_storage(f"file://{tmp_path}")
    assert shared["OPTIONS"] == {"location": str(tmp_path)}
