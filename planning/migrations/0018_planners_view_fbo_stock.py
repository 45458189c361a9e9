from django.db import migrations

GRANTS = [
    ("inventory", "view_fbocluster"),
    ("inventory", "view_fbostockreport"),
]


def grant(apps, schema_editor):
    """Planners see the FBO clusters and the stock the marketplace reports in each."""
    from django.contrib.auth.management import create_permissions

    using = schema_editor.connection.alias
    app_config = apps.get_app_config("inventory")
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
        ("inventory", "0009_fbo_clusters"),
        ("planning", "0017_planners_import_sales"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
