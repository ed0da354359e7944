"""Reference data in the Django admin (Chinese by default)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

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
        (
            "账号安全",
            {"fields": ("must_change_password", "failed_logins", "locked_until",
                        "password_changed_at", "second_factor")},
        ),
    )  # fmt: skip
    readonly_fields = ("failed_logins", "locked_until", "password_changed_at", "second_factor")
    actions = ["reset_passwords", "unlock_accounts", "remove_second_factor"]

    @admin.display(description="动态口令")
    def second_factor(self, obj: models.Person) -> str:
        return "已启用" if obj.totp_secret else "未启用"

    @admin.action(description="重置密码（生成一次性临时密码，下次登录须修改）")
    def reset_passwords(self, request: HttpRequest, queryset: QuerySet[models.Person]) -> None:
        from lianqin.accounts.service import reset_password

        for person in queryset:
            password = reset_password(request.user, person, client=_client(request))
            self.message_user(
                request,
                f"{person.username} 的临时密码：{password}（只显示这一次；请当面或电话告知本人）",
                messages.WARNING,
            )

    @admin.action(description="解除登录锁定")
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet[models.Person]) -> None:
        from lianqin.accounts.service import unlock

        for person in queryset:
            unlock(request.user, person, client=_client(request))
        self.message_user(request, f"已解锁 {queryset.count()} 个账号。")

    @admin.action(description="清除动态口令（本人丢失手机时）")
    def remove_second_factor(self, request: HttpRequest, queryset: QuerySet[models.Person]) -> None:
        from lianqin.accounts.service import remove_second_factor

        for person in queryset:
            remove_second_factor(request.user, person, client=_client(request))
        self.message_user(request, f"已清除 {queryset.count()} 个账号的动态口令。")


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


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
