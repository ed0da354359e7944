"""The complexity rule of :mod:`lianqin.accounts.policy` as a Django password validator
(used by the admin, the password-change page and ``lianqin user``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from lianqin.accounts.policy import MIN_LENGTH, password_problems


class ComplexityValidator:
    def validate(self, password: str, user: Any = None) -> None:
        problems = password_problems(password)
        if problems:
            raise ValidationError(
                [ValidationError(p, code="password_complexity") for p in problems]
            )

    def get_help_text(self) -> str:
        return f"至少 {MIN_LENGTH} 位，包含大写字母、小写字母、数字、符号中的至少三类。"
