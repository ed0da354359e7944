"""The login form: username, password and — for accounts that enabled it — the 6-digit
code of an authenticator app. Every refusal says what to do next."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianqin.accounts.backend import LockedOut, SecondFactorNeeded
from lianqin.accounts.policy import Policy


class LoginForm(AuthenticationForm):
    otp = forms.CharField(label=_("动态口令"), required=False, max_length=8)

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "用户名或密码不对，请重新输入（区分大小写）。连续 %(attempts)s 次失败将锁定 %(minutes)s 分钟。"
        ),
        "locked": _("账号已锁定至 %(until)s（连续多次登录失败）。请到时再试，或请管理员解锁。"),
        "otp_needed": _("这个账号启用了动态口令：请输入身份验证器 App 上的 6 位数字。"),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate(
                    self.request, username=username, password=password,
                    otp=self.cleaned_data.get("otp") or None,
                )  # fmt: skip
            except LockedOut as locked:
                until = timezone.localtime(locked.until).strftime("%H:%M")
                raise forms.ValidationError(
                    self.error_messages["locked"], code="locked", params={"until": until}
                ) from None
            except SecondFactorNeeded:
                self.otp_needed = True
                raise forms.ValidationError(
                    self.error_messages["otp_needed"], code="otp_needed"
                ) from None
            if self.user_cache is None:
                policy = Policy.from_env()
                raise forms.ValidationError(
                    self.error_messages["invalid_login"],
                    code="invalid_login",
                    params={"attempts": policy.attempts, "minutes": policy.minutes},
                )
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class AdminLoginForm(LoginForm):
    """The admin's login: the same checks, and staff only."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(_("这个账号不是管理员。"), code="invalid_login")


class TotpForm(forms.Form):
    code = forms.CharField(label=_("动态口令"), max_length=8)
