"""Triggers count a signed-in admin (role shop_staff, shop 0010) as a client, like anon and
authenticated: what a client may not change, an admin through the API may not either, unless
the trigger exempts admins by their roles (generated from shop.db.triggers.CLIENT_WRITER)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import shop.db.triggers


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_category_listing_and_bounded_search"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="collection",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="collectionproduct",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="inventory",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="inventoryadjustment",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="inventoryadjustment",
            name="append_only",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="inventorylocation",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="product",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="productcategory",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="productfaq",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="productquestion",
            name="product_questions_customer_columns",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="productquestion",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="productvariant",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="review",
            name="reviews_customer_columns",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="review",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tag",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="tier",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="variantinventoryadjustment",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="variantinventoryadjustment",
            name="append_only",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="collection",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="25fbbfa8bafc458a1945857172f037597d740a17",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_eae45",
                    table="collections",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="collectionproduct",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="b87287a787d517528fbccbe902b7cfb8a91cb958",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_a67ff",
                    table="collection_products",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inventory",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="38962ebf020b101802cda68843f3c11916d95e89",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_6345d",
                    table="inventory",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inventoryadjustment",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n        IF TG_OP = \'DELETE\' THEN\n            -- A cascade from the stock row runs after the row is deleted: it is gone by now.\n            IF EXISTS (SELECT 1 FROM public.inventory\n                       WHERE id = OLD.inventory_id) THEN\n                RAISE EXCEPTION \'inventory_adjustments_append_only: inventory_adjustments entries are deleted only with their stock row\'\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'inventory_adjustments_append_only\';\n            END IF;\n            RETURN OLD;\n        END IF;\n        IF NOT (NOT (ROW(OLD."created_at", OLD."id", OLD."available_delta", OLD."reserved_delta", OLD."available_after", OLD."reserved_after", OLD."reason", OLD."reference_type", OLD."reference_id", OLD."note", OLD."inventory_id") IS DISTINCT FROM ROW(NEW."created_at", NEW."id", NEW."available_delta", NEW."reserved_delta", NEW."available_after", NEW."reserved_after", NEW."reason", NEW."reference_type", NEW."reference_id", NEW."note", NEW."inventory_id")) AND (NEW."created_by_id" IS NOT DISTINCT FROM OLD."created_by_id" OR (NEW."created_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."created_by_id"))) AND (NEW."updated_by_id" IS NOT DISTINCT FROM OLD."updated_by_id" OR (NEW."updated_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."updated_by_id")))) THEN\n            RAISE EXCEPTION \'inventory_adjustments_append_only: inventory_adjustments entries are never changed: record a correcting entry instead\'\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'inventory_adjustments_append_only\';\n        END IF;\n        RETURN NEW;\n        ',
                    hash="284c57506e85b66298d1a941c8e0687899bbfb76",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_73ad6",
                    table="inventory_adjustments",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inventoryadjustment",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="784cf38f031d9896f4059195c9d721d1b09d8830",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_d3bcc",
                    table="inventory_adjustments",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inventorylocation",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="23e752027343fe5b21fb49ea92bc9547f87a0654",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_7015b",
                    table="inventory_locations",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="product",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="acb32d8b864a1a1b67edec8adb02ae1049861be1",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_1d1f4",
                    table="products",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="productcategory",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="340a8dc29cb2a305cfa6a32e755f041bebe15f87",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_92ae8",
                    table="product_categories",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="productfaq",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="456608641be375a476d143443d9a50a0d7d87d0c",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_f5160",
                    table="product_faqs",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="productquestion",
            trigger=pgtrigger.compiler.Trigger(
                name="product_questions_customer_columns",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n            IF current_user IN (\'anon\', \'authenticated\', \'shop_staff\') AND ROW(OLD."created_at", OLD."created_by_id", OLD."id", OLD."deleted_at", OLD."deleted_by_id", OLD."product_id", OLD."user_id", OLD."answer", OLD."answered_by_id", OLD."answered_at", OLD."status") IS DISTINCT FROM ROW(NEW."created_at", NEW."created_by_id", NEW."id", NEW."deleted_at", NEW."deleted_by_id", NEW."product_id", NEW."user_id", NEW."answer", NEW."answered_by_id", NEW."answered_at", NEW."status") AND NOT private.is_admin() THEN\n                RAISE EXCEPTION \'product_questions_customer_columns: on product_questions you may change only question\'\n                    USING ERRCODE = \'insufficient_privilege\';\n            END IF;\n        \n            IF current_user IN (\'anon\', \'authenticated\', \'shop_staff\') AND ROW(OLD."question") IS DISTINCT FROM ROW(NEW."question") AND NOT private.is_admin() THEN\n                NEW."status" := \'pending\';\n            END IF;\n            RETURN NEW;',
                    hash="87f5434b8b7de49b3dde10da989a3501fece159a",
                    operation="UPDATE",
                    pgid="pgtrigger_product_questions_customer_columns_f545f",
                    table="product_questions",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="productquestion",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="642ecbe518fee5f286e905afa99f98b3bbd33778",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_ea8f3",
                    table="product_questions",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="productvariant",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="65b68b35d3125fe46d745a428de1674c45d79231",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_eef30",
                    table="product_variants",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="review",
            trigger=pgtrigger.compiler.Trigger(
                name="reviews_customer_columns",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n            IF current_user IN (\'anon\', \'authenticated\', \'shop_staff\') AND ROW(OLD."created_at", OLD."created_by_id", OLD."id", OLD."deleted_at", OLD."deleted_by_id", OLD."product_id", OLD."user_id", OLD."status", OLD."is_verified_purchase") IS DISTINCT FROM ROW(NEW."created_at", NEW."created_by_id", NEW."id", NEW."deleted_at", NEW."deleted_by_id", NEW."product_id", NEW."user_id", NEW."status", NEW."is_verified_purchase") AND NOT private.is_admin() THEN\n                RAISE EXCEPTION \'reviews_customer_columns: on reviews you may change only rating, title, body\'\n                    USING ERRCODE = \'insufficient_privilege\';\n            END IF;\n        \n            IF current_user IN (\'anon\', \'authenticated\', \'shop_staff\') AND ROW(OLD."rating", OLD."title", OLD."body") IS DISTINCT FROM ROW(NEW."rating", NEW."title", NEW."body") AND NOT private.is_admin() THEN\n                NEW."status" := \'pending\';\n            END IF;\n            RETURN NEW;',
                    hash="68ceefa0a6cf550da13ab84feaecb20585d4feab",
                    operation="UPDATE",
                    pgid="pgtrigger_reviews_customer_columns_8fbf8",
                    table="reviews",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="review",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="bde9ffd5f0a1a6095f55b38fda66576de753a10b",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_f64a9",
                    table="reviews",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tag",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="a407eb634d4573f9e24d7a17d284fb9ae6b6f1c5",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_6da9d",
                    table="tags",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="tier",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="67bc57bafab8a14b397620724114ffb5419bd790",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_375e6",
                    table="tiers",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="variantinventoryadjustment",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n        IF TG_OP = \'DELETE\' THEN\n            -- A cascade from the stock row runs after the row is deleted: it is gone by now.\n            IF EXISTS (SELECT 1 FROM public.product_variants\n                       WHERE id = OLD.variant_id) THEN\n                RAISE EXCEPTION \'variant_inventory_adjustments_append_only: variant_inventory_adjustments entries are deleted only with their stock row\'\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'variant_inventory_adjustments_append_only\';\n            END IF;\n            RETURN OLD;\n        END IF;\n        IF NOT (NOT (ROW(OLD."created_at", OLD."id", OLD."available_delta", OLD."reserved_delta", OLD."available_after", OLD."reserved_after", OLD."reason", OLD."reference_type", OLD."reference_id", OLD."note", OLD."variant_id") IS DISTINCT FROM ROW(NEW."created_at", NEW."id", NEW."available_delta", NEW."reserved_delta", NEW."available_after", NEW."reserved_after", NEW."reason", NEW."reference_type", NEW."reference_id", NEW."note", NEW."variant_id")) AND (NEW."created_by_id" IS NOT DISTINCT FROM OLD."created_by_id" OR (NEW."created_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."created_by_id"))) AND (NEW."updated_by_id" IS NOT DISTINCT FROM OLD."updated_by_id" OR (NEW."updated_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."updated_by_id")))) THEN\n            RAISE EXCEPTION \'variant_inventory_adjustments_append_only: variant_inventory_adjustments entries are never changed: record a correcting entry instead\'\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'variant_inventory_adjustments_append_only\';\n        END IF;\n        RETURN NEW;\n        ',
                    hash="b83221b0daa812a32e7da4d4aa5f8d45b15d664b",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_255b8",
                    table="variant_inventory_adjustments",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="variantinventoryadjustment",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="6f12fe75377066da4c17505c575f2093e26bf213",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_939d8",
                    table="variant_inventory_adjustments",
                    when="BEFORE",
                ),
            ),
        ),
    ]
