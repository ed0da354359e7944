"""Idle timeout and the forced password change, for every request of a logged-in person.

What must hold: a session idle longer than the policy, or older than
``SESSION_COOKIE_AGE`` (8 hours) however active, ends at its next request (to the
login page, saying why; an API or htmx request gets 401 with a JSON message instead of a
page); a person whose password an administrator reset, or whose password is older than the
policy allows, can open nothing but the password page and logout until they change it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from lianqin.accounts.policy import Policy

EXEMPT = ("/static/", "/favicon.ico", "/i18n/")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/open311/")) or "HX-Request" in request.headers


class AccountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(EXEMPT):
            return self.get_response(request)
        now = time.time()
        last = request.session.get("lianqin_seen")
        start = request.session.setdefault("lianqin_start", int(now))
        # saving the session every 30 s slides its cookie's expiry, so the absolute limit
        # (SESSION_COOKIE_AGE, 8 hours) is kept here
        too_long = isinstance(start, int | float) and now - start > settings.SESSION_COOKIE_AGE
        if too_long or (isinstance(last, int | float) and Policy.from_env().idle(last, now)):
            logout(request)
            message = "长时间未操作，已自动退出，请重新登录。"
            if _wants_json(request):
                return JsonResponse({"detail": message, "code": "idle_timeout"}, status=401)
            query = urlencode({"timeout": 1, "next": request.get_full_path()})
            return redirect(f"{reverse('login')}?{query}")
        if not isinstance(last, int | float) or now - last > 30:
            request.session["lianqin_seen"] = int(now)  # written at most every 30 s
        policy = Policy.from_env()
        changed = getattr(user, "password_changed_at", None) or user.date_joined
        must = getattr(user, "must_change_password", False)
        expired = policy.password_expired(changed, timezone.now())
        if (must or expired) and request.path not in (
            reverse("password-change"),
            reverse("logout"),
        ):
            message = (
                "管理员重置了你的密码：请先设置新密码。"
                if must
                else f"密码已使用超过 {policy.password_days} 天：请先设置新密码。"
            )
            if _wants_json(request):
                return JsonResponse({"detail": message, "code": "password_change"}, status=403)
            return redirect(reverse("password-change") + ("" if must else "?expired=1"))
        return self.get_response(request)
