"""Triggers count a signed-in admin (role shop_staff, shop 0010) as a client, like anon and
authenticated: what a client may not change, an admin through the API may not either, unless
the trigger exempts admins by their roles (generated from shop.db.triggers.CLIENT_WRITER)."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

import shop.db.triggers


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0009_customer_policies_payments_and_deleted_orders"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="cart",
            name="carts_customer_columns",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="cart",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="cartitem",
            name="cart_items_customer_columns",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="cartitem",
            name="cart_items_priced_by_the_shop",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="cartitem",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="invoice",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="invoice",
            name="invoices_issued_are_final",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="invoicelineitem",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="invoicelineitem",
            name="invoice_line_items_frozen_once_issued",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="invoicenumbercounter",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="invoiceversion",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="invoiceversion",
            name="invoice_versions_are_final",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="order",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="orderitem",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="paymenttransaction",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="paymentwebhookevent",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="paymentwebhooklog",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="wishlist",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="wishlistitem",
            name="keep_audit_fields",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cart",
            trigger=pgtrigger.compiler.Trigger(
                name="carts_customer_columns",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n            IF current_user IN (\'anon\', \'authenticated\', \'shop_staff\') AND ROW(OLD."created_at", OLD."created_by_id", OLD."id", OLD."deleted_at", OLD."deleted_by_id", OLD."user_id", OLD."session_key", OLD."status", OLD."currency", OLD."giftcard_total", OLD."shipping_total", OLD."expires_at") IS DISTINCT FROM ROW(NEW."created_at", NEW."created_by_id", NEW."id", NEW."deleted_at", NEW."deleted_by_id", NEW."user_id", NEW."session_key", NEW."status", NEW."currency", NEW."giftcard_total", NEW."shipping_total", NEW."expires_at") AND NOT private.is_admin() THEN\n                RAISE EXCEPTION \'carts_customer_columns: on carts you may change only applied_discount_codes\'\n                    USING ERRCODE = \'insufficient_privilege\';\n            END IF;\n        RETURN NEW;',
                    hash="c661d5524dfad5c9b9aefbebbcbd598d55cb56fa",
                    operation="UPDATE",
                    pgid="pgtrigger_carts_customer_columns_ccd9f",
                    table="carts",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cart",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="09f8abdf6abd71d89d6cacd427dd82221a09e6e8",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_69388",
                    table="carts",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cartitem",
            trigger=pgtrigger.compiler.Trigger(
                name="cart_items_customer_columns",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n            IF current_user IN (\'anon\', \'authenticated\', \'shop_staff\') AND ROW(OLD."created_at", OLD."created_by_id", OLD."id", OLD."deleted_at", OLD."deleted_by_id", OLD."cart_id", OLD."product_id", OLD."variant_id", OLD."currency", OLD."unit_price", OLD."cost_price", OLD."discount_amount", OLD."product_name", OLD."product_sku", OLD."product_image_url", OLD."reserved_from_location_id", OLD."reserved_quantity", OLD."reserved_until") IS DISTINCT FROM ROW(NEW."created_at", NEW."created_by_id", NEW."id", NEW."deleted_at", NEW."deleted_by_id", NEW."cart_id", NEW."product_id", NEW."variant_id", NEW."currency", NEW."unit_price", NEW."cost_price", NEW."discount_amount", NEW."product_name", NEW."product_sku", NEW."product_image_url", NEW."reserved_from_location_id", NEW."reserved_quantity", NEW."reserved_until") AND NOT private.is_admin() THEN\n                RAISE EXCEPTION \'cart_items_customer_columns: on cart_items you may change only quantity\'\n                    USING ERRCODE = \'insufficient_privilege\';\n            END IF;\n        RETURN NEW;',
                    hash="4facf6fa3df9b63bd1cdf10079eac74d1f0bc498",
                    operation="UPDATE",
                    pgid="pgtrigger_cart_items_customer_columns_c6f6d",
                    table="cart_items",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cartitem",
            trigger=pgtrigger.compiler.Trigger(
                name="cart_items_priced_by_the_shop",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    condition="WHEN (current_user IN ('anon', 'authenticated', 'shop_staff'))",
                    func="\n                IF private.is_admin() THEN\n                    RETURN NEW;\n                END IF;\n                SELECT price.unit_price, price.cost_price, price.currency\n                  INTO NEW.unit_price, NEW.cost_price, NEW.currency\n                  FROM private.cart_item_price(NEW.product_id, NEW.variant_id) AS price;\n                IF NOT FOUND THEN\n                    RAISE EXCEPTION\n                        'cart_items_priced_by_the_shop: product % (variant %) is not for sale',\n                        NEW.product_id, NEW.variant_id\n                        USING ERRCODE = 'check_violation',\n                              CONSTRAINT = 'cart_items_priced_by_the_shop';\n                END IF;\n                NEW.discount_amount := 0;\n                RETURN NEW;\n                ",
                    hash="574e08b3d49b308ce102de1e92cbc7fe5974344c",
                    operation="INSERT",
                    pgid="pgtrigger_cart_items_priced_by_the_shop_e694f",
                    table="cart_items",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cartitem",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="b50d86fe6fe6d2e52b7a92471fe842fc8b220a75",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_eff4f",
                    table="cart_items",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoice",
            trigger=pgtrigger.compiler.Trigger(
                name="invoices_issued_are_final",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    condition="WHEN (OLD.\"status\" <> 'draft')",
                    func='\n    IF NOT (NOT (ROW(OLD."created_at", OLD."id", OLD."deleted_at", OLD."order_id", OLD."invoice_number", OLD."series", OLD."financial_year", OLD."status", OLD."issued_at", OLD."currency", OLD."subtotal", OLD."tax_total", OLD."grand_total", OLD."billing_snapshot") IS DISTINCT FROM ROW(NEW."created_at", NEW."id", NEW."deleted_at", NEW."order_id", NEW."invoice_number", NEW."series", NEW."financial_year", NEW."status", NEW."issued_at", NEW."currency", NEW."subtotal", NEW."tax_total", NEW."grand_total", NEW."billing_snapshot")) AND (NEW."created_by_id" IS NOT DISTINCT FROM OLD."created_by_id" OR (NEW."created_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."created_by_id"))) AND (NEW."updated_by_id" IS NOT DISTINCT FROM OLD."updated_by_id" OR (NEW."updated_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."updated_by_id"))) AND (NEW."deleted_by_id" IS NOT DISTINCT FROM OLD."deleted_by_id" OR (NEW."deleted_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."deleted_by_id")))) THEN\n        RAISE EXCEPTION \'invoices_issued_are_final: invoice % is %: revise it with a new invoice_versions row\', OLD.invoice_number, OLD.status\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'invoices_issued_are_final\';\n    END IF;\n    IF NEW.current_version IS DISTINCT FROM OLD.current_version\n       AND NEW.current_version IS DISTINCT FROM (\n           SELECT max(v.version_number) FROM public.invoice_versions v\n           WHERE v.invoice_id = OLD.id) THEN\n        RAISE EXCEPTION \'invoices_issued_are_final: current_version of invoice % is its newest invoice_versions row\', OLD.invoice_number\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'invoices_issued_are_final\';\n    END IF;\n    RETURN NEW;\n    ',
                    hash="75277f7b566fa199fca9c84dd3bb08332a6a3b68",
                    operation="UPDATE",
                    pgid="pgtrigger_invoices_issued_are_final_a6ffd",
                    table="invoices",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoice",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="4f4227eb0d4e5cceb63a2bd5334dd01d60e4c00f",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_382b9",
                    table="invoices",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoicelineitem",
            trigger=pgtrigger.compiler.Trigger(
                name="invoice_line_items_frozen_once_issued",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    declare="DECLARE invoice_status varchar;",
                    func='\n    IF TG_OP = \'UPDATE\' THEN\n        IF NOT (ROW(OLD."created_at", OLD."id", OLD."invoice_id", OLD."order_item_id", OLD."description", OLD."hsn_code", OLD."quantity", OLD."currency", OLD."unit_price", OLD."tax_rate", OLD."tax_amount", OLD."line_total") IS DISTINCT FROM ROW(NEW."created_at", NEW."id", NEW."invoice_id", NEW."order_item_id", NEW."description", NEW."hsn_code", NEW."quantity", NEW."currency", NEW."unit_price", NEW."tax_rate", NEW."tax_amount", NEW."line_total")) AND (NEW."created_by_id" IS NOT DISTINCT FROM OLD."created_by_id" OR (NEW."created_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."created_by_id"))) AND (NEW."updated_by_id" IS NOT DISTINCT FROM OLD."updated_by_id" OR (NEW."updated_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."updated_by_id"))) THEN\n            RETURN NULL;\n        END IF;\n    END IF;\n    IF TG_OP <> \'DELETE\' THEN\n        SELECT i.status INTO invoice_status FROM public.invoices i\n        WHERE i.id = NEW.invoice_id FOR SHARE;\n        IF invoice_status <> \'draft\' THEN\n            RAISE EXCEPTION \'invoice_line_items_frozen_once_issued: % of a line of invoice % refused: the invoice is %\', TG_OP, NEW.invoice_id, invoice_status\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'invoice_line_items_frozen_once_issued\';\n        END IF;\n    END IF;\n    IF TG_OP <> \'INSERT\' THEN\n        SELECT i.status INTO invoice_status FROM public.invoices i\n        WHERE i.id = OLD.invoice_id FOR SHARE;\n        IF invoice_status <> \'draft\' THEN\n            RAISE EXCEPTION \'invoice_line_items_frozen_once_issued: % of a line of invoice % refused: the invoice is %\', TG_OP, OLD.invoice_id, invoice_status\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'invoice_line_items_frozen_once_issued\';\n        END IF;\n    END IF;\n    RETURN NULL;\n    ',
                    hash="cf7da2840bfed3f332312fdbf7379f60ba887d7c",
                    operation="INSERT OR UPDATE OR DELETE",
                    pgid="pgtrigger_invoice_line_items_frozen_once_issued_d5e3d",
                    table="invoice_line_items",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoicelineitem",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="eee78542574a06f6f7e6aef3ef717f7b10a23638",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_07d25",
                    table="invoice_line_items",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoicenumbercounter",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="832668133174ea305bd38d91ee1fd96c3ad615d0",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_d1394",
                    table="invoice_number_counters",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoiceversion",
            trigger=pgtrigger.compiler.Trigger(
                name="invoice_versions_are_final",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func='\n    IF TG_OP = \'UPDATE\' THEN\n        IF NOT (ROW(OLD."created_at", OLD."id", OLD."invoice_id", OLD."version_number", OLD."snapshot", OLD."reason") IS DISTINCT FROM ROW(NEW."created_at", NEW."id", NEW."invoice_id", NEW."version_number", NEW."snapshot", NEW."reason")) AND (NEW."created_by_id" IS NOT DISTINCT FROM OLD."created_by_id" OR (NEW."created_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."created_by_id"))) AND (NEW."updated_by_id" IS NOT DISTINCT FROM OLD."updated_by_id" OR (NEW."updated_by_id" IS NULL AND NOT (current_user IN (\'anon\', \'authenticated\', \'shop_staff\')) AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = OLD."updated_by_id"))) THEN\n            RETURN NEW;\n        END IF;\n    END IF;\n    RAISE EXCEPTION \'invoice_versions_are_final: % of version % of invoice % refused: versions are never changed\', TG_OP, OLD.version_number, OLD.invoice_id\n    USING ERRCODE = \'check_violation\', CONSTRAINT = \'invoice_versions_are_final\';\n    ',
                    hash="f2eb5e64bef20430780b7684987c23fd5ede4c01",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_invoice_versions_are_final_fb19c",
                    table="invoice_versions",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="invoiceversion",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="7ec3c987ab39b41bb19647ed593278702b12e7af",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_cbd57",
                    table="invoice_versions",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="order",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="8e981528e5c47f4b4b05a1a4eda6dd329e42817e",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_60971",
                    table="orders",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="orderitem",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="03239600e1715b8182b1702f9815921ba03c424c",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_c0b94",
                    table="order_items",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="paymenttransaction",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="0cecc25333c9a131f9a75e3b05f7719b18d18457",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_ab320",
                    table="payment_transactions",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="paymentwebhookevent",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="caa3d1d18c7970dfed7d560e4905d17b1445f687",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_e4430",
                    table="payment_webhook_events",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="paymentwebhooklog",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="773a7002bc32d9c23f0c47e8a8ca336973946907",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_be9b5",
                    table="payment_webhook_logs",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="wishlist",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="f591c78a6546cfdb9172b1ea343ff1a0328736c0",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_98076",
                    table="wishlists",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="wishlistitem",
            trigger=pgtrigger.compiler.Trigger(
                name="keep_audit_fields",
                sql=shop.db.triggers.PinnedSearchPathSql(
                    func="\n    IF TG_OP = 'UPDATE' THEN\n        NEW.updated_at = statement_timestamp();\n    END IF;\n    IF current_user IN ('anon', 'authenticated', 'shop_staff') THEN\n        NEW.updated_by_id = auth.uid();\n        IF TG_OP = 'INSERT' THEN\n            NEW.created_by_id = auth.uid();\n            NEW.created_at = statement_timestamp();\n        ELSE\n            NEW.created_by_id = OLD.created_by_id;\n            NEW.created_at = OLD.created_at;\n        END IF;\n    END IF;\n    RETURN NEW;\n    ",
                    hash="3f3013b1a1832d68f623d7729ed4f700ce4a372a",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_keep_audit_fields_d134a",
                    table="wishlist_items",
                    when="BEFORE",
                ),
            ),
        ),
    ]
