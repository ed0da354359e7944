"""Cases in the admin: read-only. Cases change only through the workflow (API/console)."""

from django.contrib import admin

from lianqin.cases import models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = models.CaseEvent
    fields = ("seq", "at", "action", "from_state", "to_state", "actor_name", "actor_role", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class WorkOrderInline(admin.TabularInline):
    model = models.WorkOrder
    fields = ("unit", "role", "state", "dispatched_at", "due_at", "reply", "return_reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Case)
class CaseAdmin(ReadOnly):
    list_display = (
        "number",
        "title",
        "status",
        "warning",
        "level",
        "channel",
        "category",
        "street",
        "created_at",
    )
    list_filter = ("status", "warning", "level", "channel", "priority", "street")
    search_fields = ("number", "title")
    date_hierarchy = "created_at"
    list_select_related = ("category", "street")
    exclude = ("assignee",)
    inlines = [WorkOrderInline, EventInline]


@admin.register(models.Report)
class ReportAdmin(ReadOnly):
    list_display = ("channel", "external_id", "case", "received_at", "reporter_masked")
    list_filter = ("channel",)
    search_fields = ("external_id", "case__number")
    exclude = ("reporter", "raw")  # the raw payload carries the contact in clear

    @admin.display(description="诉求人（脱敏）")
    def reporter_masked(self, obj: models.Report) -> str:
        return str(obj.reporter) if obj.reporter else ""
