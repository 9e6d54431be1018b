"""Triggers count a signed-in admin (role shop_staff, shop 0010) as a client, like anon and
authenticated: what a client may not change, an admin through the API may not either, unless
the trigger exempts admins by their roles (generated from shop.db.triggers.CLIENT_WRITER)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import shop.db.triggers


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_admin_names"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="adminprofile",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="customerprofile",
            name="customer_profiles_customer_columns",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="customerprofile",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="emailotp",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="invitation",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="permission",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="role",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="rolepermission",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="user",
            name="users_customer_columns",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="user",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="useraddress",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="userrole",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="adminprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="40750fbeafd901bd2b3cb85f9a8f6cd44f1e5ee7",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_bde30",
                    table="admin_profiles",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="customerprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="customer_profiles_customer_columns",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n            IF current_user IN (\'anon\', \'authenticated\', \'shop_staff\') AND ROW(OLD."created_at", OLD."created_by_id", OLD."id", OLD."deleted_at", OLD."deleted_by_id", OLD."user_id", OLD."loyalty_points") IS DISTINCT FROM ROW(NEW."created_at", NEW."created_by_id", NEW."id", NEW."deleted_at", NEW."deleted_by_id", NEW."user_id", NEW."loyalty_points") AND NOT private.is_admin() THEN\n                RAISE EXCEPTION \'customer_profiles_customer_columns: on customer_profiles you may change only date_of_birth, gender, marketing_opt_in\'\n                    USING ERRCODE = \'insufficient_privilege\';\n            END IF;\n        RETURN NEW;',
                    hash="af654e06730cda54195af6c79b3b4d2fded37126",
                    operation="UPDATE",
                    pgid="pgtrigger_customer_profiles_customer_columns_54666",
                    table="customer_profiles",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="customerprofile",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="253e2fe8d54978fbe4ddd93ee09870cdf4b39cad",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_2c48b",
                    table="customer_profiles",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="emailotp",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="7d550ec748b763a409ee3dc32f643e2d87f12886",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_a1491",
                    table="email_otps",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invitation",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="dbe6c92ed8e0907c1f7eb75eb6c719567ccd89f6",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_518be",
                    table="invitation",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="permission",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="7f09aafddad02fc893eb2e7884e326872677186b",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_4c877",
                    table="permissions",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="role",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="53bf3ab8c9a4d1a236a99abb128bdb168194bee0",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_051a2",
                    table="roles",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="rolepermission",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="f10560c91135c4c3b95acff1c97780687da4a718",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_f1fbf",
                    table="role_permissions",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="user",
            trigger=pgtrigger.compiler.Trigger(
                name="users_customer_columns",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n            IF current_user IN (\'anon\', \'authenticated\', \'shop_staff\') AND ROW(OLD."password", OLD."last_login", OLD."created_at", OLD."created_by_id", OLD."id", OLD."deleted_at", OLD."deleted_by_id", OLD."email", OLD."is_active", OLD."is_staff", OLD."is_superuser", OLD."email_verified_at") IS DISTINCT FROM ROW(NEW."password", NEW."last_login", NEW."created_at", NEW."created_by_id", NEW."id", NEW."deleted_at", NEW."deleted_by_id", NEW."email", NEW."is_active", NEW."is_staff", NEW."is_superuser", NEW."email_verified_at") THEN\n                RAISE EXCEPTION \'users_customer_columns: on users you may change only first_name, last_name, phone\'\n                    USING ERRCODE = \'insufficient_privilege\';\n            END IF;\n        RETURN NEW;',
                    hash="66597996fc069ddbf7a9eb451a9e3c7b1595e5ad",
                    operation="UPDATE",
                    pgid="pgtrigger_users_customer_columns_e2413",
                    table="users",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="user",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="2e1db2bacc481bf8c632074790b74a63a924c162",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_58375",
                    table="users",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="useraddress",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="45bbef49b0f67c2d36134ceaa209e06e51f923bb",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_5a866",
                    table="user_addresses",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="userrole",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="2d712984b2aa9c530f5acfa3adbe0ea5c6410b03",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_a250b",
                    table="user_roles",
                    when="BEFORE",
                ),
            ),
        ),
    ]
