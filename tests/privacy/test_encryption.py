"""Encryption at rest: the sealed file format, media storage, data keys, camera secrets,
master-key rotation and crypto-erasure — measured on the bytes that land on disk and in the
database, not on what the code says it did."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from compliance.models import AccessEvent, AccessKind
from privacy.sealed_files import CHUNK, MAGIC, TAG, DecryptingReader, open_bytes, seal_bytes
from privacy.services import keys
from tests.factories import CameraFactory
from vms.crypto import DecryptionError, key_provider_reset, master_key_text_new

pytestmark = pytest.mark.django_db

KEY = os.urandom(32)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(5000) + b"\xff\xd9"
MP4 = b"\x00\x00\x00\x20ftypisom" + os.urandom(3 * CHUNK + 17)


@pytest.fixture(autouse=True)
def fresh_keys(settings, tmp_path):
    """Each test its own master key file; no unwrapped key survives into the next test."""
    settings.MASTER_KEY = ""
    settings.MASTER_KEY_FILE = tmp_path / "keys" / "master_key"
    settings.MASTER_KEYS_PREVIOUS = []
    key_provider_reset()
    keys.cache_clear()
    yield
    key_provider_reset()
    keys.cache_clear()


def use_master_key(settings, text: str, *previous: str) -> None:
    settings.MASTER_KEY = text
    settings.MASTER_KEYS_PREVIOUS = list(previous)
    key_provider_reset()
    keys.cache_clear()


def media_name(camera_id: int, day: str = "2026/11/30") -> str:
    return f"alerts/{camera_id}/{day}/abc-snapshot.jpg"


def disk_bytes(name: str) -> bytes:
    return Path(default_storage.path(name)).read_bytes()


# --- the format -------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
def test_sealed_bytes_open_to_the_same_bytes(size):
    data = os.urandom(size)
    sealed = seal_bytes(data, key=KEY, scope="camera:1:2026-11-30")
    assert sealed.startswith(MAGIC)
    if size >= 16:  # shorter strings turn up in random bytes by chance
        assert data not in sealed
    assert open_bytes(sealed, key=KEY) == data


def test_seeking_reads_any_range_without_the_whole_file():
    sealed = seal_bytes(MP4, key=KEY, scope="s")
    reader = DecryptingReader(io.BytesIO(sealed), key_for_scope=lambda scope: KEY)
    assert reader.size == len(MP4)
    for start, length in [(0, 10), (CHUNK - 5, 10), (2 * CHUNK + 3, CHUNK), (len(MP4) - 4, 100)]:
        reader.seek(start)
        assert reader.read(length) == MP4[start : start + length]


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:],  # one bit flipped
        lambda b: b[: len(b) - (len(MP4) % CHUNK) - TAG],  # cut at a chunk boundary
        lambda b: b[:-1],  # cut inside the last chunk
        lambda b: b + b"\x00" * 20,  # something appended
    ],
    ids=["flipped", "cut-at-boundary", "cut-inside", "appended"],
)
def test_altered_or_cut_files_refuse_to_open(damage):
    sealed = seal_bytes(MP4, key=KEY, scope="s")
    with pytest.raises(DecryptionError):
        open_bytes(damage(sealed), key=KEY)


def test_chunks_cannot_be_swapped_or_opened_with_another_key():
    sealed = seal_bytes(MP4, key=KEY, scope="s")
    prefix = len(sealed) - (len(MP4) + 4 * TAG)
    stride = CHUNK + TAG
    first, second = sealed[prefix : prefix + stride], sealed[prefix + stride : prefix + 2 * stride]
    swapped = sealed[:prefix] + second + first + sealed[prefix + 2 * stride :]
    with pytest.raises(DecryptionError):
        open_bytes(swapped, key=KEY)
    with pytest.raises(DecryptionError):
        open_bytes(sealed, key=os.urandom(32))


# --- media storage ----------------------------------------------------------------------------
def test_stored_media_are_ciphertext_on_disk_and_plain_through_the_storage():
    name = default_storage.save(media_name(7), ContentFile(JPEG))
    on_disk = disk_bytes(name)
    assert on_disk.startswith(MAGIC) and not on_disk.startswith(b"\xff\xd8")
    assert JPEG[4:64] not in on_disk
    with default_storage.open(name) as handle:
        assert handle.read() == JPEG
    assert default_storage.size(name) == len(JPEG)
    assert default_storage.scope_of(name) == "camera:7:2026-11-30"


def test_one_data_key_per_camera_per_day():
    for name in (media_name(1), media_name(1), media_name(1, "2026/12/01"), media_name(2)):
        default_storage.save(name, ContentFile(b"x" * 10))
    assert sorted(keys.DataKey.objects.values_list("scope", flat=True)) == [
        "camera:1:2026-11-30",
        "camera:1:2026-12-01",
        "camera:2:2026-11-30",
    ]
    # The database holds the data keys only wrapped by the master key.
    for wrapped in keys.DataKey.objects.values_list("wrapped", flat=True):
        assert wrapped.startswith("vk1.")


def test_an_alert_leaves_no_media_signature_and_no_password_on_disk(settings):
    from analytics.models import Alert

    camera = CameraFactory(source_username="cam-user", source_password="S3cret-Pa55word!")
    alert = Alert.objects.create(
        camera=camera, kind="person_in_zone", occurred_at=_now(), dedupe_key="k"
    )
    alert.snapshot.save("snapshot.jpg", ContentFile(JPEG), save=False)
    alert.clip.save("clip.mp4", ContentFile(MP4), save=True)
    files = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert len(files) == 2
    for path in files:
        head = path.read_bytes()
        assert not head.startswith(b"\xff\xd8\xff"), path  # JPEG
        assert head[4:8] != b"ftyp", path  # MP4
        assert b"S3cret-Pa55word!" not in head
    alert.refresh_from_db()
    assert alert.snapshot.open("rb").read() == JPEG


# --- camera secrets ---------------------------------------------------------------------------
def raw_column(camera, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM cameras_camera WHERE id = %s", [camera.pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_camera_credentials_are_sealed_in_the_database_and_bound_to_their_column():
    camera = CameraFactory(source_username="operator", source_password="hunter2-long")
    stored = raw_column(camera, "source_password")
    assert stored.startswith("vk1.") and "hunter2" not in stored
    camera.refresh_from_db()
    assert (camera.source_username, camera.source_password) == ("operator", "hunter2-long")
    # A token pasted into another column does not open there.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cameras_camera SET source_username = %s WHERE id = %s", [stored, camera.pk]
        )
    with pytest.raises(DecryptionError):
        camera.refresh_from_db()


def test_a_plain_value_that_looks_like_a_token_is_still_sealed():
    camera = CameraFactory(source_password="vk1.abc.def")
    camera.refresh_from_db()
    assert camera.source_password == "vk1.abc.def"
    assert raw_column(camera, "source_password") != "vk1.abc.def"


# --- keys: wrong key, rotation, crypto-erasure --------------------------------------------------
def test_the_wrong_master_key_opens_nothing(settings):
    use_master_key(settings, master_key_text_new())
    name = default_storage.save(media_name(3), ContentFile(JPEG))
    camera = CameraFactory(source_password="pw-123456")
    use_master_key(settings, master_key_text_new())
    with pytest.raises(DecryptionError, match="not configured"):
        default_storage.open(name).read()
    with pytest.raises(DecryptionError):
        camera.refresh_from_db()


def test_rotation_rewraps_keys_and_secrets_and_the_old_key_can_then_go(settings):
    old, new = master_key_text_new(), master_key_text_new()
    use_master_key(settings, old)
    name = default_storage.save(media_name(4), ContentFile(JPEG))
    camera = CameraFactory(source_password="rotate-me-please")
    before = disk_bytes(name)

    use_master_key(settings, new, old)
    out = io.StringIO()
    call_command("keys_rotate", stdout=out)
    assert "Re-wrapped 1 data key(s) and 1 sealed value(s)" in out.getvalue()
    call_command("keys_rotate", stdout=io.StringIO())  # again: nothing left to do, no error

    use_master_key(settings, new)  # the old key is gone
    assert disk_bytes(name) == before  # no media file was rewritten
    assert default_storage.open(name).read() == JPEG
    camera.refresh_from_db()
    assert camera.source_password == "rotate-me-please"
    assert AccessEvent.objects.filter(kind=AccessKind.KEY_ROTATE).count() == 2


def test_rotation_without_the_old_key_fails_clearly(settings):
    use_master_key(settings, master_key_text_new())
    default_storage.save(media_name(5), ContentFile(JPEG))
    use_master_key(settings, master_key_text_new())
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="VMS_MASTER_KEYS_PREVIOUS"):
        call_command("keys_rotate", stdout=io.StringIO())


def test_crypto_erasure_makes_a_day_unreadable_even_from_a_copy_taken_before():
    name = default_storage.save(media_name(6), ContentFile(JPEG))
    other_day = default_storage.save(media_name(6, "2026/12/01"), ContentFile(JPEG))
    copy = disk_bytes(name)  # a backup of the files, taken before the erasure
    call_command(
        "keys_destroy",
        "--camera",
        "6",
        "--day",
        "2026-11-30",
        "--reason",
        "retention",
        stdout=io.StringIO(),
    )
    with pytest.raises(keys.KeyDestroyedError):
        default_storage.open(name).read()
    # No key that is left opens the copy (the erased day's key is gone from the database).
    assert keys.DataKey.objects.get(scope="camera:6:2026-11-30").wrapped == ""
    for row in keys.DataKey.objects.exclude(wrapped=""):
        with pytest.raises(DecryptionError):
            open_bytes(copy, key=keys._unwrap(row.scope, row.wrapped))
    assert default_storage.open(other_day).read() == JPEG  # the next day is untouched
    with pytest.raises(keys.KeyDestroyedError):
        default_storage.save(media_name(6), ContentFile(b"late"))
    event = AccessEvent.objects.get(kind=AccessKind.KEY_DESTROY)
    assert event.data["scope"] == "camera:6:2026-11-30" and event.reason == "retention"


def test_media_stored_before_encryption_are_sealed_in_place(settings):
    plain = Path(settings.MEDIA_ROOT) / "alerts" / "8" / "2026" / "11" / "30" / "old-clip.mp4"
    plain.parent.mkdir(parents=True)
    plain.write_bytes(MP4)
    out = io.StringIO()
    call_command("media_seal", stdout=out)
    assert "Sealed 1 media file(s)" in out.getvalue()
    assert plain.read_bytes().startswith(MAGIC)
    assert default_storage.open("alerts/8/2026/11/30/old-clip.mp4").read() == MP4
    assert [p.name for p in plain.parent.iterdir()] == ["old-clip.mp4"]


def test_keys_destroy_refuses_a_bad_day():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("keys_destroy", "--camera", "1", "--day", "30/11", "--reason", "x")


def _now():
    return datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
