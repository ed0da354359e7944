"""The quarantine in the admin: read the reason and the raw payload, replay or discard."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from lianqin.cases.access import actor_for
from lianqin.errors import LianqinError
from lianqin.intake import quarantine
from lianqin.intake.models import QuarantinedPayload


@admin.register(QuarantinedPayload)
class QuarantinedPayloadAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "channel",
        "source",
        "state",
        "field",
        "reason",
        "times_seen",
        "last_seen_at",
        "case_number",
    )
    list_filter = ("state", "channel", "code")
    search_fields = ("reason", "source", "field")
    readonly_fields = (
        "channel",
        "source",
        "content_type",
        "raw",
        "digest",
        "code",
        "reason",
        "field",
        "hint",
        "received_at",
        "last_seen_at",
        "times_seen",
        "state",
        "resolved_at",
        "resolved_by",
        "resolution",
        "case_number",
    )
    fields = (*readonly_fields, "corrected_raw")
    actions = ("replay_selected",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="重放所选报文（用修正后报文，若有）")
    def replay_selected(self, request: HttpRequest, queryset: QuerySet[QuarantinedPayload]) -> None:
        actor = actor_for(request.user)  # type: ignore[arg-type]
        for row in queryset:
            try:
                outcome = quarantine.replay(actor, row.pk)
            except LianqinError as exc:
                self.message_user(request, f"#{row.pk}：{exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"#{row.pk}：{outcome.status} {outcome.case_number}")
