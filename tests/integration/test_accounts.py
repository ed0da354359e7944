"""Accounts through the real login page: lockout after repeated failures, the TOTP second
factor (enrol, log in, no replay), an administrator's reset forcing a new password, the
idle timeout — and each leaves its audit line."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from lianqin.audit.models import AuditEntry
from lianqin.org.models import Person

PASSWORD = "Test-passw0rd!"


@pytest.fixture(autouse=True)
def _policy(monkeypatch):
    monkeypatch.setenv("LIANQIN_LOCKOUT_ATTEMPTS", "3")
    monkeypatch.setenv("LIANQIN_LOCKOUT_MINUTES", "15")
    monkeypatch.setenv("LIANQIN_IDLE_MINUTES", "30")


def login(client, username, password=PASSWORD, otp=""):
    return client.post("/login/", {"username": username, "password": password, "otp": otp})


def test_three_failures_lock_the_account_even_for_the_right_password(client, world):
    for _ in range(3):
        res = login(client, "street_a", "wrong")
        assert res.status_code == 200 and "用户名或密码不对" in res.content.decode()
    res = login(client, "street_a")
    assert "账号已锁定至" in res.content.decode()
    assert "_auth_user_id" not in client.session
    person = Person.objects.get(username="street_a")
    assert person.locked_until > timezone.now()
    assert AuditEntry.objects.filter(kind="lockout", target=f"org.Person:{person.pk}").exists()
    assert AuditEntry.objects.filter(kind="login_failed").count() >= 3

    admin = world.people["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    res = client.post("/admin/org/person/", {"action": "unlock_accounts",
                                             "_selected_action": [person.pk]})  # fmt: skip
    assert res.status_code == 302
    client.logout()
    assert login(client, "street_a").status_code == 302
    assert AuditEntry.objects.filter(kind="unlock", actor_id=admin.pk).exists()


def test_a_success_resets_the_count(client, world):
    login(client, "street_a", "wrong")
    login(client, "street_a", "wrong")
    assert login(client, "street_a").status_code == 302
    assert Person.objects.get(username="street_a").failed_logins == 0


def test_an_unknown_user_gets_the_same_answer(client, world):
    res = login(client, "nobody", "wrong")
    assert "用户名或密码不对" in res.content.decode()


def test_the_second_factor_is_enrolled_then_required_and_a_code_works_once(client, world):
    client.force_login(world.people["street_a"])
    page = client.get("/account/")
    assert "<svg" in page.content.decode()  # the QR code, drawn by the server
    secret = client.session["lianqin_totp_pending"]
    res = client.post("/account/", {"action": "enable", "code": "000000"})
    assert "口令不对" in res.content.decode()
    res = client.post("/account/", {"action": "enable", "code": pyotp.TOTP(secret).now()})
    assert res.status_code == 302
    client.logout()

    res = login(client, "street_a")
    assert "启用了动态口令" in res.content.decode()
    code = pyotp.TOTP(secret).now()
    assert login(client, "street_a", otp=code).status_code == 302
    client.logout()
    assert "用户名或密码不对" in login(client, "street_a", otp=code).content.decode()  # replay
    kinds = set(AuditEntry.objects.values_list("kind", flat=True))
    assert {"totp_enable", "login", "login_failed"} <= kinds
    line = AuditEntry.objects.get(kind="totp_enable")
    assert secret not in str(line.detail)


def test_an_admin_reset_forces_a_new_password(client, world):
    from lianqin.accounts.service import reset_password

    person = world.people["street_a"]
    temporary = reset_password(world.people["admin"], person)
    assert login(client, "street_a", temporary).status_code == 302
    assert client.get("/console/").url == "/account/password/"
    api = client.get("/api/v1/cases")
    assert api.status_code == 403 and api.json()["code"] == "password_change"
    same = client.post("/account/password/", {"old_password": temporary,
                       "new_password1": temporary, "new_password2": temporary})  # fmt: skip
    assert "不能与当前密码相同" in same.content.decode()
    weak = client.post("/account/password/", {"old_password": temporary,
                       "new_password1": "abcdefgh", "new_password2": "abcdefgh"})  # fmt: skip
    assert "至少三类" in weak.content.decode()
    new = "Brand-new-passw0rd"
    res = client.post("/account/password/", {"old_password": temporary,
                      "new_password1": new, "new_password2": new})  # fmt: skip
    assert res.status_code == 302
    assert client.get("/console/").status_code == 200
    assert {"password_reset", "password_change"} <= set(
        AuditEntry.objects.filter(target=f"org.Person:{person.pk}").values_list("kind", flat=True)
    )


def test_an_idle_session_ends(client, world):
    assert login(client, "street_a").status_code == 302
    assert client.get("/console/").status_code == 200
    session = client.session
    session["lianqin_seen"] = session["lianqin_seen"] - 31 * 60
    session.save()
    res = client.get("/console/")
    assert res.status_code == 302 and "timeout=1" in res.url
    assert client.get("/api/v1/cases").status_code == 401


def test_an_active_session_still_ends_after_eight_hours(client, world):
    assert login(client, "street_a").status_code == 302
    assert client.get("/console/").status_code == 200
    session = client.session
    session["lianqin_start"] -= 8 * 3600 + 1
    session.save()
    assert client.get("/console/").status_code == 302


def test_a_password_older_than_the_policy_must_be_changed(client, world, monkeypatch):
    from datetime import timedelta

    monkeypatch.setenv("LIANQIN_PASSWORD_MAX_DAYS", "90")
    Person.objects.filter(username="street_a").update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    assert login(client, "street_a").status_code == 302
    res = client.get("/console/")
    assert res.url == "/account/password/?expired=1"
    assert "使用时间过长" in client.get(res.url).content.decode()
    monkeypatch.setenv("LIANQIN_PASSWORD_MAX_DAYS", "0")
    assert client.get("/console/").status_code == 200


def test_the_admin_login_asks_for_the_code_too(client, world):
    admin = world.people["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.totp_secret = pyotp.random_base32()
    admin.save()
    page = client.get("/admin/login/").content.decode()
    assert 'name="otp"' in page
    res = client.post("/admin/login/", {"username": "admin", "password": PASSWORD,
                                        "next": "/admin/"})  # fmt: skip
    assert "启用了动态口令" in res.content.decode()
    code = pyotp.TOTP(admin.totp_secret).now()
    res = client.post("/admin/login/", {"username": "admin", "password": PASSWORD, "otp": code,
                                        "next": "/admin/"})  # fmt: skip
    assert res.status_code == 302 and res.url == "/admin/"


def test_a_reset_revokes_the_accounts_api_keys_and_a_locked_account_keys_stop(client, world):
    from lianqin.accounts.service import reset_password
    from lianqin.org.models import ApiKey

    person = world.people["street_a"]
    _, raw = ApiKey.issue("脚本", person)
    assert client.get("/api/v1/cases", HTTP_X_API_KEY=raw).status_code == 200
    Person.objects.filter(pk=person.pk).update(locked_until=timezone.now() + timedelta(minutes=5))
    assert client.get("/api/v1/cases", HTTP_X_API_KEY=raw).status_code == 401
    reset_password(world.people["admin"], person)
    assert ApiKey.objects.get(person=person).revoked_at is not None
    assert client.get("/api/v1/cases", HTTP_X_API_KEY=raw).status_code == 401
