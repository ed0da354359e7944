from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "lianqin.evaluation"
    verbose_name = "考评"
