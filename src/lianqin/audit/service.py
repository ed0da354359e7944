"""Writing, verifying and pruning the audit trail.

:func:`append` is the only writer of ``AuditEntry``. It takes the chain head's row (its
UPDATE serialises writers: a row lock on PostgreSQL, the write lock on SQLite), links the
new line to the last one and inserts it, all inside the caller's transaction — so a change
and its audit line commit or vanish together.

What must hold: sequence numbers have no gaps and follow commit order; a line never holds
a phone or ID number (callers pass field names and case numbers, never the values);
:func:`verify` finds any edit, removal or insertion of a log line or a case-history line,
and says where.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from lianqin.audit import protect
from lianqin.audit.chain import Break, event_fields, link
from lianqin.audit.chain import verify as verify_lines
from lianqin.audit.keys import chain_key
from lianqin.audit.models import AuditEntry, ChainHead

#: the shortest retention the law asks of security logs (网络安全法 第二十一条: 6 months)
MIN_RETENTION_DAYS = 180


def entry_fields(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "kind": e.kind,
        "actor": e.actor_id,
        "actor_name": e.actor_name,
        "actor_role": e.actor_role,
        "target": e.target,
        "detail": e.detail,
        "client": e.client,
    }


def client_hash(address: str) -> str:
    if not address:
        return ""
    return hmac.new(chain_key(), b"client:" + address.encode(), hashlib.sha256).hexdigest()[:24]


def _who(actor: Any) -> tuple[int | None, str, str]:
    if actor is None:
        return None, "系统", "system"
    if hasattr(actor, "person_id"):  # cases.access.Actor
        return actor.person_id, actor.name, str(actor.role)
    if getattr(actor, "pk", None) is not None:  # org.Person
        return actor.pk, str(actor), str(getattr(actor, "role", ""))
    return None, str(actor)[:150], ""


def append(
    kind: str,
    actor: Any = None,
    target: str = "",
    detail: dict[str, Any] | None = None,
    *,
    client: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    actor_id, actor_name, actor_role = _who(actor)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_chainhead SET seq = seq + 1 WHERE id = 1")
            if cursor.rowcount == 0:
                ChainHead.objects.get_or_create(pk=1)
                cursor.execute("UPDATE audit_chainhead SET seq = seq + 1 WHERE id = 1")
        head = ChainHead.objects.get(pk=1)
        entry = AuditEntry(
            seq=head.seq,
            at=at or timezone.now(),
            kind=kind,
            actor_id=actor_id,
            actor_name=actor_name[:150],
            actor_role=actor_role[:20],
            target=target[:160],
            detail=detail or {},
            client=client_hash(client),
            prev=head.chain,
        )
        entry.chain = link(chain_key(), entry.prev, entry_fields(entry))
        entry.save()
        ChainHead.objects.filter(pk=1).update(chain=entry.chain)
    return entry


def request_client(request: Any) -> str:
    return str(getattr(request, "META", {}).get("REMOTE_ADDR") or "")


# --- verification -----------------------------------------------------------------------


@dataclass
class Report:
    """What ``lianqin audit verify`` found."""

    log_lines: int = 0
    cases: int = 0
    history_lines: int = 0
    protected: list[str] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks and set(self.protected) == set(protect.TABLES)


def _log_lines(head: ChainHead) -> Iterator[tuple[str, str, dict[str, Any]]]:
    lines = AuditEntry.objects.filter(seq__lte=head.seq).order_by("seq")
    for e in lines.iterator(chunk_size=2000):
        yield e.prev, e.chain, entry_fields(e)


@dataclass(frozen=True)
class Anchor:
    """The log's head and the history's size at one moment, kept *outside* the database
    (``lianqin audit verify --anchor FILE``): whoever can rewrite the database can rewind
    the head and drop the newest lines consistently, but not change this file."""

    seq: int
    chain: str
    history_lines: int

    def line(self) -> str:
        return f"{self.seq} {self.chain} {self.history_lines}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        seq, chain, lines = text.split()[:3]
        return cls(int(seq), chain, int(lines))


def check_anchor(anchor: Anchor, report: Report) -> None:
    """What an earlier anchor says must still be there."""
    head = ChainHead.objects.filter(pk=1).first() or ChainHead(pk=1)
    if anchor.seq > head.pruned_through:
        line = AuditEntry.objects.filter(seq=anchor.seq).values_list("chain", flat=True).first()
        if line != anchor.chain:
            report.breaks.append(
                Break("审计日志", anchor.seq, "与外部锚点不符（记录被删除或改写）")
            )
    if head.seq < anchor.seq:
        report.breaks.append(Break("审计日志", head.seq, "链头早于外部锚点（末尾记录被删除）"))
    if report.history_lines < anchor.history_lines:
        report.breaks.append(
            Break("案件历史", report.history_lines, "条数少于外部锚点（记录被删除）")
        )


def current_anchor(report: Report) -> Anchor:
    head = ChainHead.objects.filter(pk=1).first() or ChainHead(pk=1)
    return Anchor(head.seq, head.chain or "-", report.history_lines)


def verify(progress: Callable[[int], None] | None = None) -> Report:
    """Walk the audit log and every case's history. ``progress(n)`` after each batch."""
    from lianqin.cases.models import Case, CaseEvent

    report = Report(protected=protect.installed())
    key = chain_key()
    # a live system keeps writing while this runs: everything is judged as of the head and
    # the case versions read first (a line, case or event that came later is not looked at;
    # a line at or below the head committed with it, so it is there)
    head = ChainHead.objects.filter(pk=1).first() or ChainHead(pk=1)
    versions = dict(Case.objects.values_list("pk", "version"))
    seqs = list(
        AuditEntry.objects.filter(seq__lte=head.seq).order_by("seq").values_list("seq", flat=True)
    )
    report.log_lines = len(seqs)
    first = head.pruned_through + 1
    if seqs and seqs != list(range(first, first + len(seqs))):
        report.breaks.append(Break("审计日志", 0, "序号不连续（有记录被删除或插入）"))
    broken = verify_lines(key, _log_lines(head), start=head.pruned_chain, where="审计日志")
    if broken:
        report.breaks.append(broken)
    last = AuditEntry.objects.filter(seq__lte=head.seq).order_by("-seq").first()
    if (last.seq if last else head.pruned_through) != head.seq or (
        (last.chain if last else head.pruned_chain) != head.chain
    ):
        report.breaks.append(Break("审计日志", len(seqs), "链头与最后一条不符（末尾记录被删除）"))

    pruned = AuditEntry.objects.filter(kind="prune", seq__lte=head.seq).order_by("-seq").first()
    if (pruned.detail.get("through_seq") if pruned else 0) != head.pruned_through:
        report.breaks.append(Break("审计日志", 0, "清理记录与链头不符（被非正常删除）"))

    current: int | None = None
    prev, position, done = "", 0, 0
    bad_case: set[int] = set()
    seen: set[int] = set()
    later: dict[int, int] = {}

    def close(case_id: int | None, position: int) -> None:
        if case_id is not None and case_id not in bad_case and position != versions.get(case_id):
            bad_case.add(case_id)
            report.breaks.append(
                Break(f"案件历史 #{case_id}", position, "条数与案件版本不符（记录被删除）")
            )

    rows = CaseEvent.objects.order_by("case_id", "seq").iterator(chunk_size=5000)
    for event in rows:
        if event.seq > versions.get(event.case_id, 0):
            # written after the versions were read (or a case created since): its chain is
            # checked by the next run; here only that its case has reached it
            later[event.case_id] = max(later.get(event.case_id, 0), event.seq)
            continue
        if event.case_id != current:
            seen.add(event.case_id)
            close(current, position)
            current, prev, position = event.case_id, "", 0
            report.cases += 1
        position += 1
        report.history_lines += 1
        if event.case_id in bad_case:
            continue
        if event.seq != position:
            bad_case.add(event.case_id)
            report.breaks.append(
                Break(f"案件历史 #{event.case_id}", position, "序号不连续（有记录被删除）")
            )
        elif not hmac.compare_digest(event.chain, link(key, prev, event_fields(event))):
            bad_case.add(event.case_id)
            report.breaks.append(
                Break(f"案件历史 #{event.case_id}", position, "链值与内容不符（记录被改动）")
            )
        prev = event.chain
        done += 1
        if progress and done % 5000 == 0:
            progress(done)
    close(current, position)
    now_versions = dict(Case.objects.filter(pk__in=list(later)).values_list("pk", "version"))
    for case_id, seq in sorted(later.items()):
        if seq > now_versions.get(case_id, 0):
            report.breaks.append(
                Break(f"案件历史 #{case_id}", seq, "记录多于案件版本（有记录被插入）")
            )
    for case_id in sorted(c for c, v in versions.items() if v and c not in seen):
        report.breaks.append(Break(f"案件历史 #{case_id}", 0, "案件没有任何历史记录"))
    if progress:
        progress(done)
    return report


# --- retention --------------------------------------------------------------------------


def retention_days() -> int:
    return max(MIN_RETENTION_DAYS, int(getattr(settings, "LIANQIN_AUDIT_RETENTION_DAYS", 365)))


def prune(actor: Any = None, *, now: datetime | None = None) -> int:
    """Remove log lines older than the retention (at least 6 months), remembering the chain
    of the last one removed so that verification starts there. Case history is never
    pruned: it is the case's record and goes with the case."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=retention_days())
    with transaction.atomic():
        old = AuditEntry.objects.filter(at__lt=cutoff).order_by("-seq").first()
        if old is None:
            return 0
        # only a prefix of the chain may go: nothing at or after the first young line
        young = AuditEntry.objects.filter(at__gte=cutoff).order_by("seq").first()
        through = old.seq if young is None else min(old.seq, young.seq - 1)
        last = AuditEntry.objects.filter(seq=through).first()
        if last is None:
            return 0
        with protect.unlocked(tables=("audit_auditentry",)):
            count, _ = AuditEntry.objects.filter(seq__lte=through).delete()
        ChainHead.objects.filter(pk=1).update(pruned_through=through, pruned_chain=last.chain)
        append(
            "prune",
            actor,
            "audit.AuditEntry",
            {"removed": count, "through_seq": through, "cutoff": cutoff.isoformat(),
             "retention_days": retention_days()},
        )  # fmt: skip
    return count
