from django.db import migrations

GRANTS = [
    ("planning", "add_salesimport"),
    ("planning", "view_salesimport"),
    ("core", "view_jobrun"),
]


def grant(apps, schema_editor):
    """Planners import sales history (the import runs as a job whose page they watch)."""
    from django.contrib.auth.management import create_permissions

    using = schema_editor.connection.alias
    for label in ("planning", "core"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None
    permissions = apps.get_model("auth", "Permission").objects.using(using)
    for group in apps.get_model("auth", "Group").objects.using(using).filter(name="Planner"):
        for app_label, codename in GRANTS:
            group.permissions.add(
                permissions.get(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_exchangerate"),
        ("planning", "0016_seed_frontier_schedule"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
