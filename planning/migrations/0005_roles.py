"""Create the Buyer, Planner and Warehouse groups with their permissions.

The permission lists are frozen here (a migration must keep meaning what it meant); a later
change of a role is a new migration.  Permissions are created first because on a fresh
database Django only creates them after all migrations have run (post_migrate).  Members of
these groups also need ``is_staff`` to use the admin.
"""

from django.db import migrations

ROLES = {
    # Looks after the plan: service levels, scheme decisions, FBO shipments.
    "Planner": {
        "planning": [
            "view_planrun",
            "view_skuplan",
            "view_atrisksku",
            "view_demandhistory",
            "view_serviceleveltarget",
            "change_serviceleveltarget",
            "view_skuservicelevel",
            "change_skuservicelevel",
            "view_fulfilmentdecision",
            "approve_fulfilmentdecision",
            "view_fboshipmentsuggestion",
            "approve_fboshipmentsuggestion",
            "view_reordersuggestion",
        ],
        "inventory": [
            "view_sku",
            "view_supplier",
            "view_supplieritem",
            "view_warehouse",
            "view_stocklevel",
            "view_purchaseorder",
            "view_purchaseorderline",
            "view_transfer",
            "view_transferline",
        ],
    },
    # Turns reorder suggestions into purchase orders; no say over service levels.
    "Buyer": {
        "planning": [
            "view_planrun",
            "view_skuplan",
            "view_atrisksku",
            "view_demandhistory",
            "view_serviceleveltarget",
            "view_skuservicelevel",
            "view_reordersuggestion",
            "change_reordersuggestion",
            "approve_reordersuggestion",
        ],
        "inventory": [
            "view_sku",
            "view_supplier",
            "view_supplieritem",
            "view_warehouse",
            "view_stocklevel",
            "view_purchaseorder",
            "add_purchaseorder",
            "change_purchaseorder",
            "view_purchaseorderline",
            "add_purchaseorderline",
            "change_purchaseorderline",
            "delete_purchaseorderline",
            "view_transfer",
        ],
    },
    # Packs and ships orders, receives purchase orders and transfers; no planning decisions.
    "Warehouse": {
        "inventory": [
            "view_sku",
            "view_barcode",
            "view_warehouse",
            "view_stocklevel",
            "view_stockmovement",
            "view_purchaseorder",
            "change_purchaseorder",
            "view_purchaseorderline",
            "view_transfer",
            "change_transfer",
            "view_transferline",
        ],
        "fulfilment": [
            "view_order",
            "change_order",
            "view_orderline",
            "view_notice",
        ],
    },
}


def _ensure_permissions(apps, using):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module; migration-state app configs
        # have none, so pretend for the call (the documented recipe).
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
        app_config.models_module = None


def create_roles(apps, schema_editor):
    using = schema_editor.connection.alias
    _ensure_permissions(apps, using)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, by_app in ROLES.items():
        wanted = {(app, codename) for app, codenames in by_app.items() for codename in codenames}
        found = list(
            permission_model.objects.using(using)
            .filter(content_type__app_label__in=list(by_app), codename__in=[c for _, c in wanted])
            .select_related("content_type")
        )
        permissions = [p for p in found if (p.content_type.app_label, p.codename) in wanted]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing:
            raise RuntimeError(f"Role {name}: permissions not found: {sorted(missing)}")
        group, _ = group_model.objects.using(using).get_or_create(name=name)
        group.permissions.set(permissions)


def delete_roles(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    group_model.objects.using(schema_editor.connection.alias).filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("planning", "0004_admin_proxies_and_permissions"),
        ("inventory", "0002_stockmovement_movement_sign_matches_kind_and_more"),
        ("fulfilment", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
