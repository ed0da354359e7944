"""Admin for the appraisal schemes (the weights are the deployment's to set)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm

from lianqin.evaluation.appraisal import Scheme
from lianqin.evaluation.models import AppraisalScheme


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
