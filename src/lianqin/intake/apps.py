from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "lianqin.intake"
    verbose_name = "渠道接入"

    def ready(self) -> None:
        from lianqin.intake import replies

        replies.connect()
