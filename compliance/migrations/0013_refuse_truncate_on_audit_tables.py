"""PostgreSQL's row triggers (0009) do not fire on TRUNCATE — django-auditlog's
``auditlogflush --truncate`` would empty the change log in one statement. A statement trigger
refuses TRUNCATE on every audit table to every role but a superuser: the application's role
is never one (README, "Audit trail"), and a superuser can bypass any trigger anyway (it is how
test databases are flushed between tests)."""

from django.db import migrations

APPEND_ONLY = (
    "compliance_accessevent",
    "auditlog_logentry",
    "compliance_auditchainlink",
    "compliance_auditcheckpoint",
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        CREATE OR REPLACE FUNCTION veil_audit_no_truncate() RETURNS trigger AS $$
        BEGIN
            IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                RETURN NULL;
            END IF;
            RAISE EXCEPTION 'audit records are append-only: TRUNCATE on % refused', TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $$ LANGUAGE plpgsql
        """,
        params=None,
    )
    for table in APPEND_ONLY:
        schema_editor.execute(
            f"CREATE TRIGGER veil_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION veil_audit_no_truncate()"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS veil_no_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS veil_audit_no_truncate()")


class Migration(migrations.Migration):
    dependencies = [("compliance", "0012_access_kinds_recording_reports")]

    operations = [migrations.RunPython(install, remove)]
