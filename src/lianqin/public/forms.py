"""The citizens' forms: what a report must hold, a lookup, a rating.

What must hold: every refusal names the field and says how to fix it, in Chinese; a form
that fails keeps what was typed (Django re-renders bound forms) and the photos already
accepted (``kept_photos``); the position is a WGS-84 pin inside the district — the map
draws the district's own WGS-84 outlines, so no conversion happens here.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms

from lianqin import photos
from lianqin.errors import InvalidInput
from lianqin.geo import service as geo
from lianqin.org.models import Category

MAX_PHOTOS = 3
_PHONE = re.compile(r"^[0-9+\-\s()（）]{7,24}$")
_KEPT = re.compile(r"^/media/photos/([0-9a-f]{2}/[0-9a-f]{64}\.jpg)$")
NUMBER = re.compile(r"^\d{6}-\d{8}-\d{6}$")


def first_level_categories() -> list[tuple[str, str]]:
    rows = Category.objects.filter(depth=1, active=True).order_by("code")
    return [("", "（不确定，由工作人员分类）"), *[(c.code, c.name) for c in rows]]


class ReportForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False)
    description = forms.CharField(
        label="发生了什么",
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": "请描述问题：什么事、在哪里、持续多久、影响如何"}
        ),
        error_messages={"required": "请填写发生了什么：简要描述您看到的问题"},
    )
    title = forms.CharField(
        label="标题（可不填）", max_length=40, required=False,
        widget=forms.TextInput(attrs={"placeholder": "一句话概括，如：小区门口垃圾堆积"}),
    )  # fmt: skip
    category = forms.ChoiceField(label="问题类别（可不选）", required=False, choices=())
    lon = forms.FloatField(widget=forms.HiddenInput, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(
        label="地址", max_length=200, required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：文德路12号小区东门"}),
    )  # fmt: skip
    name = forms.CharField(label="您的称呼（可不填）", max_length=30, required=False)
    phone = forms.CharField(
        label="联系电话（可不填，用于回访）", max_length=24, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )  # fmt: skip
    kept_photos = forms.CharField(widget=forms.MultipleHiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = first_level_categories()  # type: ignore[attr-defined]
        self.fields["key"].initial = str(uuid.uuid4())

    def clean_key(self) -> str:
        try:
            return str(uuid.UUID(self.cleaned_data.get("key") or ""))
        except ValueError:
            raise forms.ValidationError(
                "页面已过期或不完整，已为您重新生成，请再提交一次"
            ) from None

    def clean_phone(self) -> str:
        phone = (self.cleaned_data.get("phone") or "").strip()
        digits = sum(ch.isdigit() for ch in phone)
        if phone and (not _PHONE.match(phone) or not 7 <= digits <= 15):
            raise forms.ValidationError(
                "电话号码格式不对：请填写手机号或带区号的座机号，如 13812345678"
            )
        return phone

    def clean_kept_photos(self) -> list[str]:
        kept = []
        for url in self.data.getlist("kept_photos") if hasattr(self.data, "getlist") else []:
            match = _KEPT.match(url)
            if match and photos.path_of(match.group(1)) is not None and url not in kept:
                kept.append(url)
        return kept[:MAX_PHOTOS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lon, lat = data.get("lon"), data.get("lat")
        if (lon is None) != (lat is None):
            self.add_error("address", "地图位置不完整，请在地图上重新点选，或填写地址")
            data["lon"] = data["lat"] = None
        elif lon is not None and lat is not None:
            try:
                where = geo.locate_point(lon, lat)
            except InvalidInput:
                where = None
            if where is None or where.grid is None:
                self.add_error(
                    "address", "您点选的位置不在本区范围内：请在地图的社区范围内点选，或填写地址"
                )
        if lon is None and not data.get("address") and "address" not in self.errors:
            self.add_error("address", "请告诉我们问题在哪里：在地图上点选位置，或填写地址")
        return data


def accept_photos(form: ReportForm, uploads: list[Any]) -> tuple[list[str], list[str]]:
    """Store the uploaded photos (``lianqin.photos.save``): (the photos kept so far,
    the refusals, one sentence each). A refused photo does not cost the others."""
    kept: list[str] = list(form.cleaned_data.get("kept_photos") or [])
    errors: list[str] = []
    for upload in uploads:
        name = str(getattr(upload, "name", "照片"))[:60]
        if len(kept) >= MAX_PHOTOS:
            errors.append(f"最多上传 {MAX_PHOTOS} 张照片，“{name}”未保存")
            continue
        try:
            kept.append(photos.save(upload.read(), name))
        except InvalidInput as exc:
            errors.append(f"“{name}”未能保存：{exc.message}。{exc.hint}".rstrip("。") + "。")
    return list(dict.fromkeys(kept)), errors


class TrackForm(forms.Form):
    number = forms.CharField(
        label="案件编号", max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "如 320111-20261128-000123", "autocomplete": "off"}),
        error_messages={"required": "请填写案件编号"},
    )  # fmt: skip
    code = forms.CharField(
        label="查询码", max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "如 ABCD-EFGH", "autocomplete": "off",
                                      "autocapitalize": "characters"}),
        error_messages={"required": "请填写查询码"},
    )  # fmt: skip


SATISFACTION_CHOICES = [
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("unsatisfied", "不满意"),
]


class RatingForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label="您对处理结果", choices=SATISFACTION_CHOICES, widget=forms.RadioSelect,
        error_messages={"required": "请选择满意、基本满意或不满意"},
    )  # fmt: skip
    solved = forms.ChoiceField(
        label="问题是否已解决", choices=[("yes", "已解决"), ("no", "未解决")],
        widget=forms.RadioSelect, error_messages={"required": "请选择问题是否已解决"},
    )  # fmt: skip
    comment = forms.CharField(
        label="意见建议（可不填）", max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
