"""The roster form: one form for a single shift and for a repeating pattern (a single
shift is a pattern of one slot on one day for one person). Bad input comes back with the
field named and everything typed kept."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from lianqin.duty.schedule import POST_LABELS
from lianqin.org.models import Center, Person

DEFAULT_SLOTS = "08:00-16:00, 16:00-24:00, 00:00-08:00"


class ScheduleForm(forms.Form):
    center = forms.IntegerField(widget=forms.HiddenInput)
    post = forms.ChoiceField(
        label="岗位", choices=[(k, v.zh) for k, v in POST_LABELS.items()], initial="dispatcher"
    )
    first = forms.DateField(
        label="开始日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "开始日期格式应为 2026-11-28", "required": "请填写开始日期"},
    )
    last = forms.DateField(
        label="结束日期（含，留空为同一天）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "结束日期格式应为 2026-11-30"},
    )
    slots = forms.CharField(
        label="班次（逗号分隔，可跨零点）",
        max_length=300,
        initial=DEFAULT_SLOTS,
        error_messages={"required": "请填写班次，如 08:00-16:00"},
    )
    people = forms.TypedMultipleChoiceField(
        label="值班人员（按列表顺序轮换）",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "请至少选择一名值班人员",
            "invalid_choice": "所选人员不是本中心的值班人员：%(value)s",
        },
    )
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args: Any, center: Center, staff: list[Person], **kwargs: Any):
        kwargs["initial"] = {"center": center.pk, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        people = cast(forms.TypedMultipleChoiceField, self.fields["people"])
        people.choices = [(p.pk, f"{p}（{p.get_role_display()}）") for p in staff]
