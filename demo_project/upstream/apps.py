from django.apps import AppConfig


class UpstreamConfig(AppConfig):
    name = "demo_project.upstream"
    label = "upstream"
    verbose_name = "Fake upstream services"
