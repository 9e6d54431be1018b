"""The legacy shop's rows of the tables :mod:`adoption.tables_more` maps: clean ones, which pass
every rule of the new schema, and dirty ones, each with the rule that must set it aside.

:mod:`adoption.sample` runs both, after its own: these rows lean on its clean shop (its users,
products, orders, payments, invoices, uploads) and on some of its dirty rows.
"""

from adoption.dirt import Dirt, d

# Statements of the clean shop, as adoption.sample.CLEAN: {s} is the schema, %(orders)s etc. the
# sizes. User 1 is the admin; the others are customers.
CLEAN_MORE = [
    """INSERT INTO {s}.admin_profiles (id, user_id, employee_code, department, designation, phone,
                                      joined_on, created_at)
       SELECT md5('admin_profile:' || i)::uuid, md5('user:' || i)::uuid, 'EMP-' || i,
              'Operations', 'Store manager', '+9198' || lpad(i::text, 8, '0'), '2022-12-01',
              '2023-01-02 09:00'
       FROM generate_series(1, %(users)s, 50) i""",
    """INSERT INTO {s}.customer_profiles (id, user_id, date_of_birth, gender, loyalty_points,
                                         total_orders, total_spent, marketing_opt_in,
                                         referral_code, created_at)
       SELECT md5('customer_profile:' || i)::uuid, md5('user:' || i)::uuid,
              date '1990-01-01' + i, (ARRAY['female', 'male', 'other', NULL])[i % 4 + 1],
              i * 10, i, 1000.5 * i, i % 3 = 0, 'REF' || i,
              '2023-01-02 10:00'::timestamp + i * interval '1 minute'
       FROM generate_series(2, %(users)s) i""",
    # Invitations to the admin role: pending, accepted, expired, revoked in turn.
    """INSERT INTO {s}.invitation (id, email, role_id, token, status, invited_by, accepted_by,
                                  message, expires_at, accepted_at, created_at, updated_at)
       SELECT i, 'invitee' || i || '@example.com', md5('role:admin')::uuid,
              'inv-' || md5('invitation:' || i),
              (ARRAY['pending', 'accepted', 'expired', 'revoked'])[i % 4 + 1],
              md5('user:1')::uuid,
              CASE WHEN i % 4 = 1 THEN md5('user:' || (i % %(users)s + 1))::uuid END,
              'Welcome to the team', '2023-01-10 09:00'::timestamp + i * interval '1 hour',
              CASE WHEN i % 4 = 1 THEN '2023-01-04 09:00'::timestamp + i * interval '1 hour' END,
              '2023-01-03 09:00'::timestamp + i * interval '1 hour',
              '2023-01-03 09:00'::timestamp + i * interval '1 hour'
       FROM generate_series(1, greatest(%(users)s / 5, 4)) i""",
    """INSERT INTO {s}.email_otps (id, email, user_id, otp_code, purpose, attempts, is_used,
                                  expires_at, verified_at, created_at)
       SELECT i, 'user' || i || '@example.com', md5('user:' || i)::uuid,
              lpad((i * 7919 % 1000000)::text, 6, '0'),
              (ARRAY['login', 'verify_email', 'password_reset'])[i % 3 + 1], i % 3, i % 2 = 0,
              '2023-02-01 10:10'::timestamp + i * interval '1 minute',
              CASE WHEN i % 2 = 0 THEN '2023-02-01 10:02'::timestamp + i * interval '1 minute' END,
              '2023-02-01 10:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(users)s) i""",
    """INSERT INTO {s}.notification_preferences (id, user_id, email_enabled, sms_enabled,
                                                push_enabled, in_app_enabled, order_updates,
                                                promotions, newsletter, created_at)
       SELECT md5('notification_preference:' || i)::uuid, md5('user:' || i)::uuid, true,
              i % 2 = 0, i % 3 = 0, true, i % 5 <> 0, i % 4 = 0, i % 2 = 1,
              '2023-01-02 11:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(users)s) i""",
    """INSERT INTO {s}.tags (id, name, slug, tag_type, color, usage_count, created_at)
       SELECT md5('tag:' || i)::uuid, 'Tag ' || i, 'tag-' || i, 'general', '#336699', i,
              '2023-01-01 11:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, greatest(%(products)s / 2, 5)) i""",
    """INSERT INTO {s}.product_faqs (id, product_id, question, answer, sort_order, created_at)
       SELECT md5('product_faq:' || i)::uuid, md5('product:' || i)::uuid,
              'Can product ' || i || ' be machine washed?', 'Yes, at 30 degrees.', 0,
              '2023-01-01 12:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(products)s) i""",
    # Every other question answered and published.
    """INSERT INTO {s}.product_questions (id, product_id, user_id, question, answer, answered_by,
                                         answered_at, status, created_at)
       SELECT md5('product_question:' || i)::uuid, md5('product:' || i)::uuid,
              md5('user:' || (i % %(users)s + 1))::uuid, 'Is product ' || i || ' true to size?',
              CASE WHEN i % 2 = 0 THEN 'It is.' END,
              CASE WHEN i % 2 = 0 THEN md5('user:1')::uuid END,
              CASE WHEN i % 2 = 0 THEN '2023-03-02 10:00'::timestamp END,
              CASE WHEN i % 2 = 0 THEN 'published' ELSE 'pending' END,
              '2023-03-01 10:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(products)s) i""",
    """INSERT INTO {s}.collections (id, name, slug, description, banner_image_url,
                                   collection_type, status, sort_order, starts_at, ends_at,
                                   created_by, created_at)
       SELECT md5('collection:' || i)::uuid, 'Collection ' || i, 'collection-' || i,
              'Picked for you', 'https://cdn.example.com/c' || i || '.jpg', 'manual',
              CASE WHEN i % 2 = 1 THEN 'active' ELSE 'draft' END, i, '2023-01-01 00:00',
              CASE WHEN i % 2 = 1 THEN '2024-01-01 00:00'::timestamp END, md5('user:1')::uuid,
              '2023-01-01 12:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, greatest(%(products)s / 10, 3)) i""",
    """INSERT INTO {s}.collection_products (id, collection_id, product_id, sort_order, added_by,
                                           created_at)
       SELECT md5('collection_product:' || i)::uuid,
              md5('collection:' || (i % greatest(%(products)s / 10, 3) + 1))::uuid,
              md5('product:' || i)::uuid, i, md5('user:1')::uuid, '2023-01-01 13:00'
       FROM generate_series(1, %(products)s) i""",
    # A review per product, by a customer; user 1 reviews none (a dirty row adds one).
    """INSERT INTO {s}.reviews (id, product_id, user_id, order_id, rating, title, comment,
                               is_verified_purchase, status, helpful_count, created_at)
       SELECT md5('review:' || i)::uuid, md5('product:' || i)::uuid,
              md5('user:' || (i % %(users)s + 1))::uuid, NULL, i % 5 + 1, 'Review ' || i,
              'Fits well.', i % 2 = 0, CASE WHEN i % 3 = 0 THEN 'pending' ELSE 'published' END,
              i, '2023-05-01 10:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(products)s) i""",
    # A cart for every other customer, with a line holding stock as the legacy shop did.
    """INSERT INTO {s}.carts (id, user_id, status, currency, created_at)
       SELECT md5('cart:' || i)::uuid, md5('user:' || i)::uuid, 'active', 'INR',
              '2023-06-01 10:00'::timestamp + i * interval '1 minute'
       FROM generate_series(2, %(users)s, 2) i""",
    """INSERT INTO {s}.cart_items (id, cart_id, product_id, variant_id, quantity, unit_price,
                                  cost_price, product_name, product_sku, line_subtotal,
                                  discount_amount, line_total, reserved_from_location_id,
                                  reserved_at, reservation_expires_at, created_at)
       SELECT md5('cart_item:' || i)::uuid, md5('cart:' || i)::uuid, md5('product:' || p)::uuid,
              md5('variant:' || p)::uuid, 2, 100 + (p % 50) * 10 + 0.99, 50, 'Product ' || p,
              'SKU-' || p || '-M', 2 * (100 + (p % 50) * 10 + 0.99), 10,
              2 * (100 + (p % 50) * 10 + 0.99) - 10, md5('location:1')::uuid,
              '2023-06-01 10:05'::timestamp + i * interval '1 minute',
              '2023-06-01 10:20'::timestamp + i * interval '1 minute',
              '2023-06-01 10:05'::timestamp + i * interval '1 minute'
       FROM generate_series(2, %(users)s, 2) i, LATERAL (SELECT i % %(products)s + 1 AS p) x""",
    # Each customer's default wishlist; every third one a second list as well.
    """INSERT INTO {s}.wishlists (id, user_id, name, is_default, is_public, created_at)
       SELECT md5('wishlist:' || i || ':' || k)::uuid, md5('user:' || i)::uuid,
              CASE k WHEN 1 THEN 'My Wishlist' ELSE 'Gifts' END, k = 1, false,
              '2023-06-02 10:00'::timestamp + i * interval '1 minute' + k * interval '1 day'
       FROM generate_series(1, %(users)s) i, generate_series(1, 2) k
       WHERE k = 1 OR i % 3 = 0""",
    """INSERT INTO {s}.wishlist_items (id, wishlist_id, product_id, variant_id, price_when_added,
                                      notes, created_at)
       SELECT md5('wishlist_item:' || w.i || ':' || w.k)::uuid, w.id,
              md5('product:' || ((w.i + w.k - 1) % %(products)s + 1))::uuid,
              CASE w.k WHEN 2 THEN md5('variant:' || ((w.i + 1) % %(products)s + 1))::uuid END,
              110.99, CASE w.k WHEN 2 THEN 'for Diwali' END, w.created_at + interval '1 hour'
       FROM (SELECT i, k, md5('wishlist:' || i || ':' || k)::uuid AS id,
                    '2023-06-02 10:00'::timestamp + i * interval '1 minute' AS created_at
             FROM generate_series(1, %(users)s) i, generate_series(1, 2) k
             WHERE k = 1 OR i % 3 = 0) w""",
    """INSERT INTO {s}.payment_webhook_logs (id, event_id, event_type, razorpay_order_id,
                                            razorpay_payment_id, payment_transaction_id, payload,
                                            signature, signature_valid, processed, processed_at,
                                            received_at, created_at)
       SELECT md5('webhook:' || i)::uuid, 'evt_' || i, 'payment.captured', 'order_' || i,
              'pay_' || i, md5('payment:' || i)::uuid,
              jsonb_build_object('event', 'payment.captured', 'payload', jsonb_build_object(
                  'payment', jsonb_build_object('id', 'pay_' || i))),
              md5('signature:' || i), true, true,
              '2023-04-01 09:02'::timestamp + i * interval '1 minute',
              '2023-04-01 09:01'::timestamp + i * interval '1 minute',
              '2023-04-01 09:01'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(orders)s) i""",
    # Version 1 of every invoice; every fifth invoice revised once.
    """INSERT INTO {s}.invoice_versions (id, invoice_id, version_number, snapshot, change_reason,
                                        pdf_url, created_by, created_at)
       SELECT md5('invoice_version:' || i || ':' || v)::uuid, md5('invoice:' || i)::uuid, v,
              jsonb_build_object('invoice', md5('invoice:' || i)::uuid, 'version', v),
              CASE v WHEN 2 THEN 'Billing address corrected' END,
              'https://cdn.example.com/invoices/' || i || '-v' || v || '.pdf', md5('user:1')::uuid,
              '2023-04-01 09:00'::timestamp + i * interval '1 minute' + v * interval '1 day'
       FROM generate_series(1, %(orders)s) i, generate_series(1, 2) v
       WHERE v = 1 OR i % 5 = 0""",
    # Blogs: a cover by URL, or by an upload (the clean uploads are ids 1 ...); two of three
    # published.
    """INSERT INTO {s}.blogs (id, title, slug, excerpt, content, cover_image_url,
                             cover_image_upload_id, author_id, status, published_at, tags,
                             meta_title, meta_description, reading_time_minutes, view_count,
                             created_by, created_at)
       SELECT md5('blog:' || i)::uuid, 'Blog ' || i, 'blog-' || i, 'About ' || i,
              'The story of blog ' || i || '.',
              CASE WHEN i % 2 = 0 THEN 'https://cdn.example.com/blog' || i || '.jpg' END,
              CASE WHEN i % 2 = 1 THEN i END, md5('user:1')::uuid,
              CASE WHEN i % 3 = 0 THEN 'draft' ELSE 'published' END,
              CASE WHEN i % 3 <> 0 THEN '2023-02-01 10:00'::timestamp + i * interval '1 day' END,
              '["news"]', 'Blog ' || i || ' | Shop', 'Read about ' || i, 5, 10 * i,
              md5('user:1')::uuid, '2023-02-01 09:00'::timestamp + i * interval '1 day'
       FROM generate_series(1, greatest(%(products)s / 5, 2)) i""",
    """INSERT INTO {s}.blog_subsections (id, blog_id, heading, content, image_url, sort_order,
                                        created_by, created_at)
       SELECT md5('blog_subsection:' || i || ':' || k)::uuid, md5('blog:' || i)::uuid,
              'Part ' || k, 'Part ' || k || ' of blog ' || i || '.',
              'https://cdn.example.com/blog' || i || '-' || k || '.jpg', k, md5('user:1')::uuid,
              '2023-02-01 09:00'::timestamp + i * interval '1 day' + k * interval '1 minute'
       FROM generate_series(1, greatest(%(products)s / 5, 2)) i, generate_series(1, 2) k""",
    """INSERT INTO {s}.notification_templates (id, code, name, type, channel, subject, body,
                                              variables, created_at)
       VALUES
       (md5('notification_template:1')::uuid, 'order_placed', 'Order placed', 'order', 'email',
        'Order {{ order_number }} placed', 'Thank you for your order.', '["order_number"]',
        '2023-01-01 09:00'),
       (md5('notification_template:2')::uuid, 'order_shipped', 'Order shipped', 'shipping',
        'sms', NULL, 'Your order is on its way.', '[]', '2023-01-01 09:00'),
       (md5('notification_template:3')::uuid, 'otp_login', 'Login code', 'account', 'email',
        'Your login code', 'Your code is {{ code }}.', '["code"]', '2023-01-01 09:00')""",
    # A notification per order, read for even orders, each delivered by email.
    """INSERT INTO {s}.notifications (id, user_id, template_id, type, title, message, data,
                                     channels, priority, is_read, read_at, action_url,
                                     created_at, updated_at)
       SELECT md5('notification:' || i)::uuid, md5('user:' || (i % %(users)s + 1))::uuid,
              md5('notification_template:1')::uuid, 'order',
              'Order SO-' || lpad(i::text, 8, '0') || ' placed', 'Thank you for your order.',
              jsonb_build_object('order_id', md5('order:' || i)::uuid), '["in_app", "email"]',
              'normal', i % 2 = 0,
              CASE WHEN i % 2 = 0 THEN '2023-04-02 09:00'::timestamp + i * interval '1 minute' END,
              '/orders/' || md5('order:' || i)::uuid,
              '2023-04-01 09:00'::timestamp + i * interval '1 minute',
              '2023-04-01 09:00'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(orders)s) i""",
    """INSERT INTO {s}.notification_delivery_logs (id, notification_id, channel, status,
                                                  provider, provider_message_id, recipient,
                                                  attempt_count, sent_at, delivered_at,
                                                  created_at)
       SELECT md5('delivery:' || i)::uuid, md5('notification:' || i)::uuid, 'email',
              'delivered', 'ses', 'ses-' || i, 'user' || (i % %(users)s + 1) || '@example.com', 1,
              '2023-04-01 09:01'::timestamp + i * interval '1 minute',
              '2023-04-01 09:02'::timestamp + i * interval '1 minute',
              '2023-04-01 09:01'::timestamp + i * interval '1 minute'
       FROM generate_series(1, %(orders)s) i""",
]

CHANNELS = ("email", "sms", "push", "in_app")
TYPES = ("order", "payment", "shipping", "promotion", "account", "system")


def add_more_dirt(cursor, schema: str, dirt: Dirt) -> None:
    """Rows of these tables that break a rule of the new schema, or that only a conversion
    fixes; what the import must do with each goes into ``dirt``.

    Needs the clean shop and adoption.sample's dirt: its set-aside user d(2), cart d(44),
    product d(13), payment d(35) and invoice d(40), its session cart d(45).
    """
    s = f'"{schema}"'

    def run(sql: str, *params) -> None:
        cursor.execute(sql.replace("{s}", s), params)

    # --- profiles -------------------------------------------------------------------------------
    run(
        """INSERT INTO {s}.admin_profiles (id, user_id, designation) VALUES
        (%s, %s, 'Packer')""",
        d(100),
        d(2),
    )
    dirt.expect("admin_profiles", "parent_quarantined", d(100))
    run(
        """INSERT INTO {s}.customer_profiles (id, user_id, gender, loyalty_points) VALUES
        (%s, %s, 'unknown', 0), (%s, %s, NULL, -50), (%s, md5('user:1')::uuid, ' M ', 0)""",
        d(101),
        d(1),
        d(102),
        d(3),
        d(103),
    )
    dirt.expect("customer_profiles", "customer_profiles_gender_valid", d(101))
    dirt.expect("customer_profiles", "customer_profiles_loyalty_points_check", d(102))

    # --- invitations and one-time codes (integer ids) -------------------------------------------
    run(
        """INSERT INTO {s}.invitation (id, email, role_id, token, status, expires_at, created_at)
        VALUES
        (900101, 'accepted@example.com', md5('role:admin')::uuid, 'tok-900101', 'accepted',
         '2023-03-08 10:00', '2023-03-01 10:00'),
        (900102, 'Dup.Invitee@example.com', md5('role:admin')::uuid, 'tok-900102', 'pending',
         '2023-03-08 10:00', '2023-03-01 10:00'),
        (900103, ' dup.invitee@EXAMPLE.com ', md5('role:admin')::uuid, 'tok-900103', 'pending',
         '2023-03-09 10:00', '2023-03-02 10:00'),
        (900104, 'norole@example.com', NULL, 'tok-900104', 'pending', '2023-03-08 10:00',
         '2023-03-01 10:00'),
        (900105, 'sent@example.com', md5('role:admin')::uuid, 'tok-900105', 'sent',
         '2023-03-08 10:00', '2023-03-01 10:00')"""
    )
    dirt.expect("invitation", "invitation_accepted_at_matches_status", "900101")
    dirt.expect("invitation", "uq_invitation_pending_email", "900103")
    dirt.kept["900103"] = "900102"
    dirt.expect("invitation", "invitation_role_id_not_null", "900104")
    dirt.expect("invitation", "invitation_status_valid", "900105")
    run(
        """INSERT INTO {s}.email_otps (id, email, otp_code, purpose, attempts, expires_at,
        created_at) VALUES
        (900101, 'user1@example.com', '123456', 'login', 0, '2023-03-01 09:55',
         '2023-03-01 10:00'),
        (900102, 'user1@example.com', '234567', 'login', 7, '2023-03-01 10:10',
         '2023-03-01 10:00'),
        (900103, 'user1@example.com', '345678', 'signup', 0, '2023-03-01 10:10',
         '2023-03-01 10:00')"""
    )
    dirt.expect("email_otps", "email_otps_expiry_after_creation", "900101")
    dirt.expect("email_otps", "email_otps_attempts_limit", "900102")
    dirt.expect("email_otps", "email_otps_purpose_valid", "900103")

    # --- the preferences of a set-aside user: each row they become follows the user ------------
    run("INSERT INTO {s}.notification_preferences (id, user_id) VALUES (%s, %s)", d(104), d(2))
    # With the legacy defaults, what is off: push for every type, promotions on every channel.
    off = {("push", kind) for kind in TYPES} | {(channel, "promotion") for channel in CHANNELS}
    cells = [f"{d(104)}:{channel}:{kind}" for channel, kind in sorted(off)]
    dirt.expect("notification_preferences", "parent_quarantined", *cells)

    # --- catalog --------------------------------------------------------------------------------
    run("INSERT INTO {s}.tags (id, name, slug) VALUES (%s, 'Summer Sale', 'Summer Sale')", d(105))
    dirt.expect("tags", "tags_slug_format", d(105))
    run(
        """INSERT INTO {s}.product_faqs (id, product_id, question, answer, sort_order) VALUES
        (%s, md5('product:1')::uuid, repeat('Why? ', 120), 'Because.', 1),
        (%s, md5('product:1')::uuid, 'Dry clean?', 'No.', -1)""",
        d(106),
        d(107),
    )
    dirt.expect("product_faqs", "product_faqs_question_too_long", d(106))
    dirt.expect("product_faqs", "product_faqs_sort_order_check", d(107))
    run(
        """INSERT INTO {s}.product_questions (id, product_id, user_id, question, answer,
        answered_at, status, is_public) VALUES
        (%s, md5('product:1')::uuid, md5('user:2')::uuid, 'Cotton?', 'Yes.', NULL, 'published',
         true),
        (%s, md5('product:1')::uuid, md5('user:2')::uuid, 'Linen?', NULL, NULL, 'approved', true),
        (%s, md5('product:1')::uuid, md5('user:2')::uuid, 'My order?', 'Sent.',
         '2023-03-02 10:00', 'published', false)""",
        d(108),
        d(109),
        d(110),
    )
    dirt.expect("product_questions", "product_questions_answered_at_matches_answer", d(108))
    dirt.expect("product_questions", "product_questions_status_valid", d(109))
    run(
        """INSERT INTO {s}.collections (id, name, slug, status, starts_at, ends_at) VALUES
        (%s, 'Monsoon', 'monsoon', 'active', '2023-07-01', '2023-06-01'),
        (%s, 'Summer sale', 'summer_sale', 'active', NULL, NULL)""",
        d(111),
        d(112),
    )
    dirt.expect("collections", "collections_ends_after_starts", d(111))
    dirt.expect("collections", "collections_slug_format", d(112))
    run(
        """INSERT INTO {s}.collection_products (id, collection_id, product_id) VALUES
        (%s, %s, md5('product:1')::uuid), (%s, md5('collection:1')::uuid, %s)""",
        d(113),
        d(111),
        d(114),
        d(13),
    )
    dirt.expect("collection_products", "parent_quarantined", d(113), d(114))
    run(
        """INSERT INTO {s}.reviews (id, product_id, user_id, rating, title, status, created_at)
        VALUES
        (%s, md5('product:4')::uuid, md5('user:1')::uuid, 7, 'Great', 'published',
         '2023-06-01 10:00'),
        (%s, md5('product:2')::uuid, md5('user:3')::uuid, 4, 'Again', 'published',
         '2024-01-01 10:00'),
        (%s, md5('product:3')::uuid, md5('user:1')::uuid, 4, 'Nice', 'approved',
         '2023-06-01 10:00'),
        (%s, md5('product:5')::uuid, md5('user:1')::uuid, 4, repeat('so good ', 30), 'pending',
         '2023-06-01 10:00')""",
        d(115),
        d(116),
        d(117),
        d(118),
    )
    dirt.expect("reviews", "reviews_rating_range", d(115))
    dirt.expect("reviews", "uq_reviews_product_user", d(116))
    dirt.expect("reviews", "reviews_status_valid", d(117))
    dirt.expect("reviews", "reviews_title_too_long", d(118))

    # --- cart lines and wishlists ---------------------------------------------------------------
    run(
        """INSERT INTO {s}.cart_items (id, cart_id, product_id, variant_id, quantity, unit_price,
        cost_price, discount_amount) VALUES
        (%s, %s, md5('product:3')::uuid, md5('variant:3')::uuid, 1, 130.99, 50, 0),
        (%s, %s, md5('product:3')::uuid, md5('variant:3')::uuid, 0, 130.99, 50, 0),
        (%s, %s, md5('product:3')::uuid, md5('variant:3')::uuid, 1, 130.99, 50, 500),
        (%s, %s, md5('product:3')::uuid, md5('variant:3')::uuid, 2, NULL, NULL, 0)""",
        d(119),
        d(44),
        d(120),
        d(45),
        d(121),
        d(45),
        d(122),
        d(45),
    )
    dirt.expect("cart_items", "parent_quarantined", d(119))
    dirt.expect("cart_items", "cart_items_quantity_positive", d(120))
    dirt.expect("cart_items", "cart_items_discount_within_line", d(121))
    run(
        """INSERT INTO {s}.wishlists (id, user_id, name, is_default, created_at) VALUES
        (%s, md5('user:1')::uuid, 'Also mine', true, '2024-01-01 10:00'),
        (%s, %s, 'Dup user''s', true, '2023-06-01 10:00')""",
        d(123),
        d(124),
        d(2),
    )
    dirt.expect("wishlists", "parent_quarantined", d(124))
    run(
        """INSERT INTO {s}.wishlist_items (id, wishlist_id, product_id, created_at) VALUES
        (%s, md5('wishlist:1:1')::uuid, md5('product:2')::uuid, '2024-01-01 10:00'),
        (%s, %s, md5('product:1')::uuid, '2023-06-01 10:00')""",
        d(125),
        d(126),
        d(124),
    )
    dirt.expect("wishlist_items", "uq_wishlist_items_product", d(125))
    dirt.expect("wishlist_items", "parent_quarantined", d(126))

    # --- payment webhooks: a redelivery, a verified one without its event, an unverified copy,
    # one of a payment that was set aside --------------------------------------------------------
    run(
        """INSERT INTO {s}.payment_webhook_logs (id, event_id, event_type, payment_transaction_id,
        payload, signature_valid, received_at, created_at) VALUES
        (%s, 'evt_1', 'payment.captured', md5('payment:1')::uuid, '{}', true,
         '2024-01-01 10:00', '2024-01-01 10:00'),
        (%s, NULL, 'payment.captured', NULL, '{}', true, '2024-01-01 10:00',
         '2024-01-01 10:00'),
        (%s, 'evt_2', 'payment.captured', md5('payment:2')::uuid, '{}', false,
         '2024-01-01 10:00', '2024-01-01 10:00'),
        (%s, 'evt_x35', 'refund.created', %s, '{}', true, '2024-01-01 10:00',
         '2024-01-01 10:00')""",
        d(127),
        d(128),
        d(129),
        d(130),
        d(35),
    )
    dirt.expect("payment_webhook_logs", "uq_payment_webhook_events_event", d(127))
    dirt.expect("payment_webhook_logs", "payment_webhook_events_event_id_present", d(128))

    # --- invoice versions: a gap, a revision without its reason and the one after it, a
    # snapshot that is no object, a version of a set-aside invoice ------------------------------
    run(
        """INSERT INTO {s}.invoice_versions (id, invoice_id, version_number, snapshot,
        change_reason, created_at) VALUES
        (%s, md5('invoice:2')::uuid, 3, '{}', 'Corrected', '2024-01-01 10:00'),
        (%s, md5('invoice:3')::uuid, 2, '{}', NULL, '2024-01-01 10:00'),
        (%s, md5('invoice:3')::uuid, 3, '{}', 'Corrected', '2024-01-02 10:00'),
        (%s, md5('invoice:4')::uuid, 2, '[]', 'Corrected', '2024-01-01 10:00'),
        (%s, %s, 1, '{}', NULL, '2024-01-01 10:00')""",
        d(131),
        d(132),
        d(133),
        d(134),
        d(135),
        d(40),
    )
    dirt.expect("invoice_versions", "invoice_versions_in_turn", d(131), d(133))
    dirt.expect("invoice_versions", "invoice_versions_revision_has_reason", d(132))
    dirt.expect("invoice_versions", "invoice_versions_snapshot_object", d(134))
    dirt.expect("invoice_versions", "parent_quarantined", d(135))

    # --- blogs: published without a date (its text and subsection follow it), tags of the wrong
    # shape, a status outside the list; and one only conversions touch ------------------------
    run(
        """INSERT INTO {s}.blogs (id, title, slug, content, status, published_at, tags,
        cover_image_url, cover_image_upload_id, created_at) VALUES
        (%s, 'Undated', 'undated', 'Some text.', 'published', NULL, '[]', NULL, NULL,
         '2023-03-01 10:00'),
        (%s, 'Tagged', 'tagged', NULL, 'draft', NULL, '{"a": 1}', NULL, NULL,
         '2023-03-01 10:00'),
        (%s, 'Later', 'later', NULL, 'scheduled', NULL, '[]', NULL, NULL, '2023-03-01 10:00'),
        (%s, 'Diwali picks', 'diwali-picks', 'Festive picks.', 'Published',
         '2023-10-20 10:00', '"diwali"', NULL, 2, '2023-10-19 10:00')""",
        d(136),
        d(137),
        d(138),
        d(139),
    )
    dirt.expect("blogs", "blogs_published_has_published_at", d(136))
    dirt.expect("blogs", "blogs_tags_array_of_strings", d(137))
    dirt.expect("blogs", "blogs_status_valid", d(138))
    run(
        """INSERT INTO {s}.blog_subsections (id, blog_id, heading, content, sort_order,
        created_at) VALUES
        (%s, %s, 'Lamps', 'Diyas first.', 0, '2023-10-19 11:00'),
        (%s, %s, 'Sweets', 'Then sweets.', 0, '2023-10-19 12:00'),
        (%s, %s, 'Lost', 'Of an undated blog.', 1, '2023-03-01 11:00')""",
        d(140),
        d(139),
        d(141),
        d(139),
        d(142),
        d(136),
    )
    dirt.expect("blog_subsections", "parent_quarantined", f"{d(136)}:content", d(142))

    # --- notifications --------------------------------------------------------------------------
    run(
        """INSERT INTO {s}.notification_templates (id, code, name, channel, body) VALUES
        (%s, 'Order-Shipped', 'Shipped', 'email', 'On its way.'),
        (%s, 'order_update', 'Update', 'WhatsApp', 'News about your order.')""",
        d(143),
        d(144),
    )
    dirt.expect("notification_templates", "notification_templates_code_format", d(143))
    dirt.expect("notification_templates", "notification_templates_channel_valid", d(144))
    run(
        """INSERT INTO {s}.notifications (id, user_id, type, title, message, data, channels,
        is_read, read_at, action_url, created_at, updated_at) VALUES
        (%s, md5('user:2')::uuid, 'newsletter', 'News', 'x', NULL, '["email"]', false, NULL,
         NULL, '2023-07-01 10:00', '2023-07-01 10:00'),
        (%s, md5('user:2')::uuid, 'order', 'Order', 'x', '[1]', '["email"]', false, NULL,
         NULL, '2023-07-01 10:00', '2023-07-01 10:00'),
        (%s, md5('user:2')::uuid, 'order', 'Order', 'x', NULL, '["email", "fax"]', false,
         NULL, NULL, '2023-07-01 10:00', '2023-07-01 10:00'),
        (%s, md5('user:2')::uuid, 'order', 'Order', 'x', NULL, '["email"]', false,
         '2023-07-02 10:00', NULL, '2023-07-01 10:00', '2023-07-02 10:00'),
        (%s, md5('user:2')::uuid, 'Shipping', 'Shipped', 'x', NULL, '"sms"', true, NULL,
         '/orders/2', '2023-07-01 10:00', '2023-07-03 10:00')""",
        d(145),
        d(146),
        d(147),
        d(148),
        d(149),
    )
    dirt.expect("notifications", "notifications_type_valid", d(145))
    dirt.expect("notifications", "notifications_data_object", d(146))
    dirt.expect("notifications", "check_channels", d(147))
    dirt.expect("notifications", "notifications_read_at_matches_is_read", d(148))
    run(
        """INSERT INTO {s}.notification_delivery_logs (id, notification_id, channel, status,
        attempt_count, sent_at, delivered_at) VALUES
        (%s, %s, 'email', 'sent', 1, '2023-07-01 10:01', NULL),
        (%s, md5('notification:1')::uuid, 'email', 'delivered', 1, '2023-07-01 10:01', NULL),
        (%s, md5('notification:1')::uuid, 'email', 'opened', 1, '2023-07-01 10:01', NULL),
        (%s, md5('notification:1')::uuid, 'email', 'queued', 0, NULL, NULL),
        (%s, %s, 'SMS', 'sent', 1, '2023-07-03 10:01', NULL)""",
        d(150),
        d(145),
        d(151),
        d(152),
        d(153),
        d(154),
        d(149),
    )
    dirt.expect("notification_delivery_logs", "parent_quarantined", d(150))
    dirt.expect("notification_delivery_logs", "notification_delivery_logs_delivered_at", d(151))
    dirt.expect("notification_delivery_logs", "notification_delivery_logs_status_valid", d(152))
    dirt.expect(
        "notification_delivery_logs", "notification_delivery_logs_attempt_number_min", d(153)
    )
    # A delivery whose notification is gone: written with the legacy foreign keys off.
    run("SET LOCAL session_replication_role = replica")
    run(
        """INSERT INTO {s}.notification_delivery_logs (id, notification_id, channel, status)
        VALUES (%s, %s, 'email', 'queued')""",
        d(155),
        d(199),
    )
    run("SET LOCAL session_replication_role = origin")
    dirt.expect(
        "notification_delivery_logs",
        "notification_delivery_logs_notification_id_missing_parent",
        d(155),
    )

    # The clean rows the duplicates collide with, which are older and kept.
    cursor.execute("SELECT md5('review:2')::uuid::text, md5('wishlist_item:1:1')::uuid::text")
    review, wishlist_item = cursor.fetchone()
    dirt.kept[d(116)] = review
    dirt.kept[d(125)] = wishlist_item
