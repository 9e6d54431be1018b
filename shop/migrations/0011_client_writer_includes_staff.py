"""Triggers count a signed-in admin (role shop_staff, shop 0010) as a client, like anon and
authenticated: what a client may not change, an admin through the API may not either, unless
the trigger exempts admins by their roles (generated from shop.db.triggers.CLIENT_WRITER)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import shop.db.triggers


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0010_staff_api_role"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="auditlog",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="auditlog",
            name="audit_logs_append_only",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditlog",
            trigger=pgtrigger.compiler.Trigger(
                name="audit_logs_append_only",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n    IF TG_OP = \'UPDATE\' AND NOT (ROW(OLD."created_at", OLD."id", OLD."action", OLD."table_name", OLD."row_id", OLD."changes", OLD."ip_address", OLD."user_agent", OLD."timestamp") IS DISTINCT FROM ROW(NEW."created_at", NEW."id", NEW."action", NEW."table_name", NEW."row_id", NEW."changes", NEW."ip_address", NEW."user_agent", NEW."timestamp")) AND (NEW."created_by_id" IS NOT DISTINCT FROM OLD."created_by_id" OR (NEW."created_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."created_by_id"))) AND (NEW."updated_by_id" IS NOT DISTINCT FROM OLD."updated_by_id" OR (NEW."updated_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."updated_by_id"))) AND (NEW."user_id" IS NOT DISTINCT FROM OLD."user_id" OR (NEW."user_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."user_id")))\n       AND ROW(OLD."user_id", OLD."created_by_id", OLD."updated_by_id") IS DISTINCT FROM ROW(NEW."user_id", NEW."created_by_id", NEW."updated_by_id") THEN\n        RETURN NEW;\n    END IF;\n    RAISE EXCEPTION \'audit_logs_append_only: % of an audit_logs row refused; the audit trail is append-only (an UPDATE may only clear the id of a deleted user)\', TG_OP\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'audit_logs_append_only\';\n    ',
                    hash="c1b6aeb032933bb202618b911e61486288ca1a7d",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_audit_logs_append_only_49eb7",
                    table="audit_logs",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="auditlog",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="56d61c76c02fa7969b31c2597104481b31dffea5",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_2cfe7",
                    table="audit_logs",
                    when="BEFORE",
                ),
            ),
        ),
    ]
