"""Schedule the nightly promise audit (05:00, after the 02:00 plan; editable in the admin) and
let planners see the audits and the promises behind them."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "Nightly promise audit"
TASK = "planning.promise_audit_nightly"
PLANNER_PERMISSIONS = ["view_promiseaudit", "view_promise"]


def seed(apps, schema_editor):
    using = schema_editor.connection.alias
    crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = crontab.objects.using(using).get_or_create(
        minute="0",
        hour="5",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    periodic.objects.using(using).get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": schedule,
            "enabled": True,
            "description": "Scores past promises against the demand that came (05:00 in "
            "TIME_ZONE, after the nightly plan); the next plan applies its calibration.",
        },
    )

    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("planning")
    app_config.models_module = True  # the documented recipe (see 0005)
    create_permissions(app_config, apps=apps, verbosity=0, using=using)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.using(using).filter(name="Planner").first()
    if group is not None:
        permissions = apps.get_model("auth", "Permission").objects.using(using)
        group.permissions.add(
            *permissions.filter(
                content_type__app_label="planning", codename__in=PLANNER_PERMISSIONS
            )
        )


def unseed(apps, schema_editor):
    using = schema_editor.connection.alias
    apps.get_model("django_celery_beat", "PeriodicTask").objects.using(using).filter(
        name=TASK_NAME
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0006_promises"),
        ("planning", "0005_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
