from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "frameworks"
    verbose_name = "Frameworks and action plans"

    def ready(self) -> None:
        from frameworks import rules  # noqa: F401  (registers the permissions)
        from frameworks.accounts import receivers

        receivers.connect()
