"""The audit log in the admin: read-only (no add, change or delete — the database would
refuse them anyway), searchable by person, kind and object."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lianqin.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "kind", "actor_name", "actor_role", "target")
    list_filter = ("kind", "actor_role")
    search_fields = ("actor_name", "target")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
