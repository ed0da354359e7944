"""The classifier's models in the admin: what each was trained on, how it compared with
the one before, and the switch back to an earlier model when a new one disappoints."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from lianqin.triage import classify_service
from lianqin.triage.models import ClassifierModel


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ("trained_at", "active", "n_train", "level", "threshold", "macro_f1", "note")
    list_filter = ("active", "level")
    readonly_fields = [f.name for f in ClassifierModel._meta.fields]
    actions = ("make_active",)

    @admin.display(description="交叉验证 macro-F1")
    def macro_f1(self, obj: ClassifierModel) -> str:
        value = obj.scores.get("scores", {}).get("macro_f1")
        return "—" if value is None else f"{value:.3f}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # models come from training (lianqin retrain), not from a form

    @admin.action(description="启用所选模型（只能选一个）")
    def make_active(self, request: HttpRequest, queryset: QuerySet[ClassifierModel]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "请只选一个模型", messages.ERROR)
            return
        chosen = queryset.get()
        classify_service.activate(chosen)
        self.message_user(request, f"已启用 {chosen}（各进程一分钟内改用）", messages.SUCCESS)
