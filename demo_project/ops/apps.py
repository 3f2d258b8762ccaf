from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "demo_project.ops"
    label = "ops"
    verbose_name = "Operations: where requests run, CPU work"
