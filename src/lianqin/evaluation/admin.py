"""Admin for the appraisal schemes (the weights are the deployment's to set)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm

from lianqin.evaluation.appraisal import Scheme
from lianqin.evaluation.cost import TASKS
from lianqin.evaluation.models import AppraisalScheme, CostRate


class SchemeForm(ModelForm):
    class Meta:
        model = AppraisalScheme
        fields = ["target", "title", "weights", "grades"]

    def clean(self) -> dict:
        data = super().clean() or {}
        try:
            Scheme(data.get("target", ""), data.get("title", ""), data.get("weights") or {}).check()
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValidationError(str(exc)) from exc
        return data


@admin.register(AppraisalScheme)
class AppraisalSchemeAdmin(admin.ModelAdmin):
    form = SchemeForm
    list_display = ["target", "title"]


@admin.register(CostRate)
class CostRateAdmin(admin.ModelAdmin):
    list_display = ["task", "yuan"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "task" and field is not None:
            field.help_text = "、".join(f"{k}（{v}）" for k, v in TASKS.items())
        return field
