"""The search box of the queue and of ``GET /api/v1/cases?q=``: one rule for both.

A reporter's phone and ID numbers are encrypted at rest, so they cannot be searched with
LIKE; what is stored beside them is a keyed hash (``ReporterContact.phone_key``/``id_key``),
so a dispatcher who types the caller's number finds every case that caller reported —
exact number only, never a part of one (a partial-number search would be a way to guess
numbers). The search itself is not a reveal: the results show the numbers masked.

What must hold: an 11-digit mobile number (with or without +86, spaces or dashes) or a
15/18-character ID number searches by key; digits otherwise search case numbers; anything
else searches titles.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from lianqin.cases.masking import id_key, phone_key


def _looks_like_id(text: str) -> bool:
    compact = "".join(text.split()).upper()
    return (
        len(compact) in (15, 18)
        and compact[:-1].isdigit()
        and (compact[-1].isdigit() or compact[-1] == "X")
    )


def _looks_like_phone(text: str) -> bool:
    digits = "".join(ch for ch in text if ch.isdigit())
    rest = "".join(ch for ch in text if not ch.isdigit()).replace("+", "").replace("-", "")
    return not rest.strip() and len(digits[-11:]) == 11 and digits[-11] == "1"


def _reported_by(**lookup: str) -> Q:
    from lianqin.cases.models import Report

    return Q(pk__in=Report.objects.filter(**lookup).exclude(case=None).values("case_id"))


def text_filter(text: str) -> Q:
    text = text.strip()
    if _looks_like_id(text):
        return _reported_by(reporter__id_key=id_key(text, settings.SECRET_KEY))
    if _looks_like_phone(text):
        return _reported_by(reporter__phone_key=phone_key(text, settings.SECRET_KEY))
    if text[:1].isdigit():
        return Q(number__contains=text)
    return Q(title__icontains=text)
