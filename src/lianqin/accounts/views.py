"""Login, password change and the second factor (账号安全)."""

from __future__ import annotations

import io
from typing import Any

import pyotp
import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lianqin.accounts.forms import LoginForm, TotpForm
from lianqin.audit.service import append, request_client
from lianqin.org.models import Person

ISSUER = "联勤指挥平台"


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class NewPasswordForm(PasswordChangeForm):
    """Django's form, refusing the password being replaced (a forced or periodic change
    that keeps the same password changes nothing)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new = data.get("new_password1")
        if new and self.user.check_password(new):
            self.add_error("new_password1", "新密码不能与当前密码相同。")
        return data


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password.html"
    success_url = reverse_lazy("account")
    form_class = NewPasswordForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        person: Person = self.request.user  # type: ignore[assignment]
        Person.objects.filter(pk=person.pk).update(
            must_change_password=False, password_changed_at=timezone.now()
        )
        append("password_change", person, f"org.Person:{person.pk}", {},
               client=request_client(self.request))  # fmt: skip
        messages.success(self.request, "密码已修改。")
        return response


def _qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True)
    return out.getvalue().decode()


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """Shows whether the second factor is on; turns it on (scan, then confirm one code)
    or off (confirm one code)."""
    person: Person = request.user  # type: ignore[assignment]
    form = TotpForm(request.POST or None)
    pending = request.session.get("lianqin_totp_pending")
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        action = request.POST.get("action")
        if action == "enable" and pending and pyotp.TOTP(pending).verify(code, valid_window=1):
            person.totp_secret, person.totp_step = pending, 0
            person.save(update_fields=["totp_secret", "totp_step"])
            del request.session["lianqin_totp_pending"]
            append("totp_enable", person, f"org.Person:{person.pk}", {},
                   client=request_client(request))  # fmt: skip
            messages.success(request, "动态口令已启用：以后登录需要输入验证器上的 6 位数字。")
            return redirect("account")
        if (
            action == "disable"
            and person.totp_secret
            and pyotp.TOTP(person.totp_secret).verify(code, valid_window=1)
        ):
            person.totp_secret = ""
            person.save(update_fields=["totp_secret"])
            append("totp_disable", person, f"org.Person:{person.pk}", {},
                   client=request_client(request))  # fmt: skip
            messages.success(request, "动态口令已停用。")
            return redirect("account")
        form.add_error("code", "口令不对：请输入验证器上当前显示的 6 位数字（注意手机时间要准）。")
    if not person.totp_secret and not pending:
        pending = request.session["lianqin_totp_pending"] = pyotp.random_base32()
    uri = (
        pyotp.TOTP(pending).provisioning_uri(name=person.username, issuer_name=ISSUER)
        if pending
        else ""
    )
    return render(
        request,
        "accounts/account.html",
        {
            "form": form,
            "enabled": bool(person.totp_secret),
            "secret": " ".join(pending[i : i + 4] for i in range(0, len(pending), 4))
            if pending and not person.totp_secret
            else "",
            "qr": _qr_svg(uri) if uri and not person.totp_secret else "",
            "person": person,
        },
    )
