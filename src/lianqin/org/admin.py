"""Reference data in the Django admin (Chinese by default)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from lianqin.org import models


@admin.register(models.District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    exclude = ("boundary",)


@admin.register(models.Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district")
    search_fields = ("code", "name")
    exclude = ("boundary",)


@admin.register(models.Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "street", "rural", "households", "population")
    list_filter = ("street", "rural")
    search_fields = ("code", "name")
    exclude = ("boundary",)


@admin.register(models.Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "community", "households")
    list_filter = ("community__street",)
    search_fields = ("code", "name")
    list_select_related = ("community",)
    raw_id_fields = ("community", "workers")
    exclude = ("boundary",)


@admin.register(models.Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ("region_code", "name", "kind", "level", "phone")
    list_filter = ("kind",)


class CategoryUnitInline(admin.TabularInline):
    model = models.CategoryUnit
    extra = 0


@admin.register(models.Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name", "kind", "active")
    search_fields = ("code", "name")


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "path", "depth", "priority", "deadline_policy", "active")
    list_filter = ("depth", "priority", "deadline_policy")
    search_fields = ("code", "name", "path")
    raw_id_fields = ("parent",)
    inlines = [CategoryUnitInline]


@admin.register(models.DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(models.CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "note")


@admin.register(models.Person)
class PersonAdmin(UserAdmin):
    list_display = (
        "username",
        "display_name",
        "role",
        "scope_level",
        "scope_code",
        "unit",
        "is_active",
    )
    list_filter = ("role", "scope_level", "is_active")
    search_fields = ("username", "display_name", "scope_code")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "联勤角色与辖区",
            {"fields": ("display_name", "role", "scope_level", "scope_code", "unit", "work_phone")},
        ),
    )


@admin.register(models.ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "prefix",
        "person",
        "channel",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")


@admin.register(models.RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("position", "name", "enabled", "lead", "categories", "areas", "keywords",
                    "channels", "start", "end")  # fmt: skip
    list_editable = ("enabled",)
    list_filter = ("enabled", "lead")
    filter_horizontal = ("assist",)
    search_fields = ("name", "note")
