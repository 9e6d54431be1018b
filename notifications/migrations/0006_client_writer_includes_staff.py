"""Triggers count a signed-in admin (role shop_staff, shop 0010) as a client, like anon and
authenticated: what a client may not change, an admin through the API may not either, unless
the trigger exempts admins by their roles (generated from shop.db.triggers.CLIENT_WRITER)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import shop.db.triggers


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_newest_first_indexes_and_owner_policy"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="notification",
            name="notifications_customer_columns",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="notification",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="notificationdeliverylog",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="notificationpreference",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="notificationtemplate",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="notification",
            trigger=pgtrigger.compiler.Trigger(
                name="notifications_customer_columns",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n            IF current_user IN (\'anon\', \'authenticated\', \'shop_staff\') AND ROW(OLD."created_at", OLD."created_by_id", OLD."id", OLD."deleted_at", OLD."deleted_by_id", OLD."user_id", OLD."type", OLD."title", OLD."body", OLD."data", OLD."channels", OLD."template_id") IS DISTINCT FROM ROW(NEW."created_at", NEW."created_by_id", NEW."id", NEW."deleted_at", NEW."deleted_by_id", NEW."user_id", NEW."type", NEW."title", NEW."body", NEW."data", NEW."channels", NEW."template_id") AND NOT private.is_admin() THEN\n                RAISE EXCEPTION \'notifications_customer_columns: on notifications you may change only is_read, read_at\'\n                    USING ERRCODE = \'insufficient_privilege\';\n            END IF;\n        RETURN NEW;',
                    hash="410c648d34d4532473033bd0430e7ee04ab99df7",
                    operation="UPDATE",
                    pgid="pgtrigger_notifications_customer_columns_03fc6",
                    table="notifications",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="notification",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="89cb48dc88163f099c7b35d491f2b18c193e55e4",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_74cba",
                    table="notifications",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="notificationdeliverylog",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="7edae16909f5768c990f7633bfe5c8dffea5a469",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_c3fd5",
                    table="notification_delivery_logs",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="notificationpreference",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="b2b9807799774eb5cfd46ebec40b7ad30889e912",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_21a70",
                    table="notification_preferences",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="notificationtemplate",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="90d96239135a85deb61b0f2300300b281d367ec7",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_a1d85",
                    table="notification_templates",
                    when="BEFORE",
                ),
            ),
        ),
    ]
