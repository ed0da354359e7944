"""The roster in the admin, for corrections; handovers are read-only (a snapshot of what
was handed over is not edited afterwards). Overlaps are checked on the duty page, not here."""

from django.contrib import admin

from lianqin.duty.models import DutyShift, Handover


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    list_display = ("center", "person", "post", "starts_at", "ends_at", "note")
    list_filter = ("post", "center")
    date_hierarchy = "starts_at"
    raw_id_fields = ("person", "created_by")


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ("center", "created_at", "created_by", "handed_to")
    list_filter = ("center",)
    readonly_fields = [f.name for f in Handover._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
