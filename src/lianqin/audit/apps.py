from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lianqin.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from lianqin.audit import signals

        signals.connect()
