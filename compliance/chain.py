"""The tamper-evident audit trail: every audit record joins one hash chain, in one global order,
in the transaction that writes it; signed checkpoints pin the chain's head.

A *link* (``AuditChainLink``) names one record (an access event or a change-log entry), the
SHA-256 of the record's canonical content as stored (every concrete column, read back from the
database, as sorted JSON), and the chain hash: SHA-256 over the previous link's chain hash, the
link's sequence number, the record's type and id and its content hash. Editing a record breaks
its content hash; deleting one leaves a link without its record; inserting one beside the chain
leaves a record without a link; reordering breaks the chain hashes.

Concurrent writers cannot fork the chain: appending takes a transaction-scoped PostgreSQL
advisory lock, so links are numbered and chained one transaction at a time; a transaction that
rolls back takes its links with it, and the next writer chains onto what was committed. (SQLite,
the embedded default, serialises writing transactions by itself.)

Checkpoints (``AuditCheckpoint``): the head's sequence number and chain hash, the record count
and the time, signed with the deployment's Ed25519 key (``VMS_AUDIT_SIGNING_KEY[_FILE]``).
``manage.py audit_verify`` recomputes all of it and reports the first break.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from vms.files import secret_file

GENESIS = "0" * 64
LOCK_KEY = 0x7665696C_6175  # "veilau": the chain's advisory lock
CHAINED = {"access_event": "compliance.AccessEvent", "log_entry": "auditlog.LogEntry"}


def _model(record_type: str):
    return apps.get_model(CHAINED[record_type])


def record_type_of(instance) -> str | None:
    label = instance._meta.label
    return next((name for name, model in CHAINED.items() if model == label), None)


# Audit-record columns added after the chain began (AccessEvent's site and camera).
ADDED_LATER = ("site_id", "camera_id")


def canonical_content(instance) -> bytes:
    """Every stored column of the record, as sorted JSON (what the verifier recomputes)."""
    values = {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
    return _canonical(values)


def _canonical(values: dict) -> bytes:
    for name in ADDED_LATER:
        # Columns added after records were chained count only when set: older records keep
        # the content (and hash) they were chained with; setting one later still breaks it.
        if values.get(name) is None:
            values.pop(name, None)
    # ``str`` for datetimes, decimals and UUIDs: full precision (Django's encoder cuts times
    # to milliseconds).
    return json.dumps(values, default=str, sort_keys=True, separators=(",", ":")).encode()


def _stored_hashes(model, ids: list[int]) -> dict[int, str]:
    """``{id: content hash}`` of the records with ``ids``, read as values (the same database
    converters as model instances, without building one per row: the verifier's hot path).
    A dense run of ids (records are chained in about id order) is read as a range."""
    attnames = [f.attname for f in model._meta.concrete_fields]
    rows = model._base_manager.order_by()
    if ids and max(ids) - min(ids) < 2 * len(ids):
        rows = rows.filter(pk__gte=min(ids), pk__lte=max(ids))
    else:
        rows = rows.filter(pk__in=ids)
    pk = model._meta.pk.attname
    wanted = set(ids)
    hashes = {}
    for row in rows.values_list(*attnames):
        values = dict(zip(attnames, row, strict=True))
        if values[pk] in wanted:
            hashes[values[pk]] = hashlib.sha256(_canonical(values)).hexdigest()
    return hashes


def content_hash(instance) -> str:
    return hashlib.sha256(canonical_content(instance)).hexdigest()


def chain_hash(previous: str, seq: int, record_type: str, record_id: int, digest: str) -> str:
    return hashlib.sha256(
        f"{previous}|{seq}|{record_type}|{record_id}|{digest}".encode()
    ).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def chain_append(instance) -> None:
    """Chain a just-written audit record, in its transaction."""
    from compliance.models import AuditChainLink

    record_type = record_type_of(instance)
    with transaction.atomic():
        _lock_chain()
        # Read back as stored: the hash must be what the verifier will compute from the row.
        stored = type(instance)._base_manager.get(pk=instance.pk)
        last = AuditChainLink.objects.order_by("-seq").values_list("seq", "chain_hash").first()
        seq, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
        digest = content_hash(stored)
        AuditChainLink.objects.create(
            seq=seq,
            record_type=record_type,
            record_id=instance.pk,
            content_hash=digest,
            chain_hash=chain_hash(previous, seq, record_type, instance.pk, digest),
        )


# --- checkpoints ----------------------------------------------------------------------------
def _signing_key() -> Ed25519PrivateKey:
    text = settings.AUDIT_SIGNING_KEY or secret_file(
        settings.AUDIT_SIGNING_KEY_FILE,
        lambda: base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode(),
    )
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))


def public_key_text() -> str:
    return base64.b64encode(_signing_key().public_key().public_bytes_raw()).decode()


def checkpoint_message(*, seq: int, head: str, count: int, created_at) -> bytes:
    return f"veil-audit-checkpoint|{seq}|{head}|{count}|{created_at.isoformat()}".encode()


@transaction.atomic
def audit_checkpoint_create():
    """Sign the chain's head now (the scheduler does this hourly)."""
    from compliance.models import AuditChainLink, AuditCheckpoint

    _lock_chain()
    last = AuditChainLink.objects.order_by("-seq").values_list("seq", "chain_hash").first()
    seq, head = last if last else (0, GENESIS)
    count = AuditChainLink.objects.count()
    created_at = timezone.now().replace(microsecond=0)
    key = _signing_key()
    signature = key.sign(checkpoint_message(seq=seq, head=head, count=count, created_at=created_at))
    return AuditCheckpoint.objects.create(
        seq=seq,
        head_hash=head,
        count=count,
        created_at=created_at,
        signature=base64.b64encode(signature).decode(),
        public_key=public_key_text(),
    )


# --- verification ---------------------------------------------------------------------------
@dataclass
class Break:
    problem: str  # edited, deleted, inserted, reordered, checkpoint
    seq: int | None
    record: str
    detail: str

    def __str__(self) -> str:
        where = f"link {self.seq}" if self.seq is not None else "no link"
        return f"{self.problem}: {self.record} ({where}): {self.detail}"


@dataclass
class Verification:
    links: int = 0
    checkpoints: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def _split(start: int, last: int, workers: int) -> list[tuple[int, int]]:
    """``[start, last]`` as up to ``workers`` contiguous ranges of link numbers."""
    if last < start:
        return [(start, start - 1)]
    size = -(-(last - start + 1) // max(workers, 1))
    return [(lo, min(lo + size - 1, last)) for lo in range(start, last + 1, size)]


def _verify_range(first: int, last: int, batch: int) -> tuple[int, list[Break]]:
    """Verify links ``first``..``last``: each record's content and each chain hash, from the
    stored chain hash of the link before ``first``. Returns (links seen, breaks)."""
    from compliance.models import AuditChainLink

    breaks: list[Break] = []
    seen = 0
    previous = GENESIS
    if first > 1:
        before = AuditChainLink.objects.filter(seq__lt=first).order_by("-seq").first()
        previous = before.chain_hash if before else GENESIS
    expected_seq = first if first > 1 else None
    links = AuditChainLink.objects.filter(seq__gte=first, seq__lte=last).order_by("seq")
    last_id = first - 1
    while True:
        # Rows, not model instances: a million links are read in a loop.
        page = list(
            links.filter(seq__gt=last_id).values_list(
                "seq", "record_type", "record_id", "content_hash", "chain_hash", named=True
            )[:batch]
        )
        if not page:
            break
        last_id = page[-1].seq
        records = {
            name: _stored_hashes(
                _model(name), [link.record_id for link in page if link.record_type == name]
            )
            for name in CHAINED
        }
        for link in page:
            seen += 1
            label = f"{link.record_type} {link.record_id}"
            if expected_seq is not None and link.seq != expected_seq:
                breaks.append(
                    Break(
                        "deleted",
                        link.seq,
                        label,
                        f"links {expected_seq}–{link.seq - 1} are missing",
                    )
                )
            expected_seq = link.seq + 1
            stored_hash = records[link.record_type].get(link.record_id)
            if stored_hash is None:
                breaks.append(Break("deleted", link.seq, label, "the record is gone"))
            elif stored_hash != link.content_hash:
                breaks.append(Break("edited", link.seq, label, "its content changed"))
            recomputed = chain_hash(
                previous, link.seq, link.record_type, link.record_id, link.content_hash
            )
            if recomputed != link.chain_hash:
                breaks.append(Break("reordered", link.seq, label, "the chain hash does not follow"))
            previous = link.chain_hash
    return seen, breaks


def audit_verify(*, since: int = 0, batch: int = 5000, workers: int = 1) -> Verification:
    """Recompute the chain from link ``since`` (0: the start) and every checkpoint.

    ``workers`` > 1 splits the links into that many ranges verified by as many processes at
    once (hashing is CPU-bound Python). It proves the same: each range starts from the stored
    chain hash of the link before it and ends by checking its own last link's stored hash,
    which the next range started from — so every link is recomputed from the one before it,
    as in one pass. (Only where the caller may start processes: not in a Celery pool.)"""
    from compliance.models import AuditChainLink, AuditCheckpoint

    result = Verification()
    start = max(since, 1)
    last = AuditChainLink.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    ranges = _split(start, last, workers)
    # Other processes see only committed links: inside a transaction, one pass here.
    if len(ranges) > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        import multiprocessing

        from django.db import connections

        connections.close_all()  # the children open their own
        with multiprocessing.get_context("fork").Pool(len(ranges)) as pool:
            parts = pool.starmap(_verify_range, [(lo, hi, batch) for lo, hi in ranges])
    else:
        parts = [_verify_range(lo, hi, batch) for lo, hi in ranges]
    for links, breaks in parts:
        result.links += links
        result.breaks.extend(breaks)
    if since <= 1:
        for name in CHAINED:
            # NOT EXISTS, an anti-join in the database: records that no link names. (NOT IN
            # a subquery cannot be one: PostgreSQL rescans the links for every record.)
            linked = AuditChainLink.objects.filter(record_type=name, record_id=OuterRef("pk"))
            unchained = (
                _model(name)
                ._base_manager.filter(~Exists(linked))
                .order_by("pk")
                .values_list("pk", flat=True)[:10]
            )
            for pk in unchained:
                result.breaks.append(Break("inserted", None, f"{name} {pk}", "not in the chain"))
    for checkpoint in AuditCheckpoint.objects.order_by("seq", "pk"):
        result.checkpoints += 1
        problem = _checkpoint_problem(checkpoint)
        if problem:
            result.breaks.append(
                Break("checkpoint", checkpoint.seq, f"checkpoint {checkpoint.pk}", problem)
            )
    return result


def _checkpoint_problem(checkpoint) -> str:
    from compliance.models import AuditChainLink

    message = checkpoint_message(
        seq=checkpoint.seq,
        head=checkpoint.head_hash,
        count=checkpoint.count,
        created_at=checkpoint.created_at,
    )
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
        key.verify(base64.b64decode(checkpoint.signature), message)
    except (InvalidSignature, ValueError):
        return "its signature does not verify"
    if checkpoint.public_key != public_key_text():
        return "signed by a key that is not this deployment's"
    if checkpoint.seq == 0:
        return ""
    link = (
        AuditChainLink.objects.filter(seq=checkpoint.seq)
        .values_list("chain_hash", flat=True)
        .first()
    )
    if link != checkpoint.head_hash:
        return "the chain no longer ends where this checkpoint signed it"
    if AuditChainLink.objects.filter(seq__lte=checkpoint.seq).count() != checkpoint.count:
        return "the number of links up to it changed"
    return ""
