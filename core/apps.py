from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Zapas core"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from django.utils.translation import gettext_lazy as _

        from core import checks  # noqa: F401  (registers the system checks)
        from core.devices import user_devices_forget
        from core.i18n import model_labels_translate
        from core.jobs import job_register
        from core.spreadsheet_jobs import JOB_NAME, spreadsheet_import_job

        model_labels_translate()
        job_register(JOB_NAME, _("Spreadsheet import"), spreadsheet_import_job, listed=False)
        user = get_user_model()
        post_save.connect(user_devices_forget, sender=user, dispatch_uid="core-devices-user")
        post_delete.connect(user_devices_forget, sender=user, dispatch_uid="core-devices-user-del")
