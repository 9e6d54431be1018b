"""Volume load: notifications (partitioned by month), their delivery logs, and preferences.

A customer hears of each of their orders (``order_placed``), of most shipments
(``order_shipped``), and of promotions that fill the plan's count; older ones are mostly read.
Delivery attempts are kept for the last DELIVERY_LOG_DAYS days, as a shop would keep them.
"""

from typing import TYPE_CHECKING

from shop.perf.volume_sql import Tag

if TYPE_CHECKING:
    from shop.perf.volume import VolumePlan
    from shop.perf.volume_loader import Loader

DELIVERY_LOG_DAYS = 90
SHIPPING_NOTICE = "o.n % 10 < 7"  # the shipments notified
INSERT = """INSERT INTO public.notifications (id, user_id, type, title, body, data, channels,
                                              is_read, read_at, template_id, created_at,
                                              updated_at)"""


def template(code: str) -> str:
    return (
        f"(SELECT id FROM public.notification_templates WHERE code = '{code}' "
        "AND channel = 'email' AND NOT is_deleted)"
    )


def read_state(moment: str) -> str:
    """SQL: is_read, read_at, template_id, created_at, updated_at of a notification sent at
    ``moment`` (r is a row of randoms)."""
    read_at = f"pg_temp.vol_between({moment}, least(now(), {moment} + interval '3 days'), r.share)"
    return f"""r.is_read, CASE WHEN r.is_read THEN {read_at} END, s.template_id, {moment},
               CASE WHEN r.is_read THEN {read_at} ELSE {moment} END"""


def load(loader: "Loader", plan: "VolumePlan") -> None:
    randoms = """CROSS JOIN LATERAL (
        SELECT random() < CASE WHEN s.at < now() - interval '7 days' THEN 0.8 ELSE 0.3 END
                   AS is_read,
               random() AS share, s.seq) r"""
    about_orders = loader.load(
        "notifications",
        f"""{INSERT}
        SELECT pg_temp.vol_uuid(s.at, {Tag.NOTIFICATION}, s.seq), s.user_id, s.type, s.title,
               s.body, s.data, s.channels, {read_state("s.at")}
        FROM (
            SELECT o.n * 4 + 1 AS seq, o.user_id, 'order' AS type,
                   least(now(), o.t + interval '1 minute') AS at,
                   'Order ' || o.order_number || ' placed' AS title,
                   'Thank you for your order ' || o.order_number || '.' AS body,
                   jsonb_build_object('order_id', o.id, 'order_number', o.order_number,
                                      'url', '/orders/' || o.id) AS data,
                   '["email", "in_app"]'::jsonb AS channels,
                   {template("order_placed")} AS template_id
            FROM vol_order o WHERE o.user_id IS NOT NULL
            UNION ALL
            SELECT o.n * 4 + 2, o.user_id, 'shipping', o.ship_at,
                   'Order ' || o.order_number || ' has shipped',
                   'Your order ' || o.order_number || ' is on its way.',
                   jsonb_build_object('order_id', o.id, 'order_number', o.order_number,
                                      'url', '/orders/' || o.id || '/tracking'),
                   '["sms", "in_app"]'::jsonb, {template("order_shipped")}
            FROM vol_order o
            WHERE o.user_id IS NOT NULL AND o.ship_at IS NOT NULL AND {SHIPPING_NOTICE}
        ) s {randoms}
        ORDER BY s.at, s.seq""",
        label="notifications (orders)",
    )
    promotions = max(0, plan.notifications - about_orders)
    loader.load(
        "notifications",
        f"""{INSERT}
        SELECT pg_temp.vol_uuid(s.at, {Tag.NOTIFICATION}, s.seq), u.id, 'promotion', s.title,
               'Up to 40 % off this week only.', jsonb_build_object('url', s.url), s.channels,
               {read_state("s.at")}
        FROM (
            SELECT {plan.orders * 4} + i AS seq, p.at, p.user_n, NULL::uuid AS template_id,
                   'Sale: ' || (ARRAY['summer', 'festive', 'weekend', 'clearance'])[1 + i % 4]
                   || ' offers' AS title, '/sale/' || (i % 52) AS url,
                   CASE WHEN i % 3 = 0 THEN '["push", "in_app"]'::jsonb
                        ELSE '["email"]'::jsonb END AS channels
            FROM (SELECT i, at, least({plan.users}, 1 + floor({plan.users}
                         * pg_temp.vol_reached(at) * random()))::int AS user_n
                  FROM (SELECT i, pg_temp.vol_time(random()) AS at
                        FROM generate_series(1, {promotions}) i) g) p
        ) s
        JOIN vol_user u ON u.n = s.user_n {randoms}
        ORDER BY s.at, s.seq""",
        label="notifications (promotions)",
    )
    loader.load(
        "notification_delivery_logs",
        f"""INSERT INTO public.notification_delivery_logs (id, notification_id,
                                                          notification_created_at, channel,
                                                          status, provider,
                                                          provider_message_id, error_message,
                                                          sent_at, delivered_at, created_at,
                                                          updated_at)
        SELECT pg_temp.vol_uuid(n.created_at, {Tag.DELIVERY_LOG},
                                row_number() OVER (ORDER BY n.created_at, n.id, c.channel)),
               n.id, n.created_at, c.channel, d.status,
               CASE c.channel WHEN 'email' THEN 'ses' WHEN 'sms' THEN 'msg91' ELSE 'fcm' END,
               md5(n.id::text || c.channel),
               CASE d.status WHEN 'failed' THEN 'Mailbox unavailable'
                             WHEN 'bounced' THEN 'Address does not exist' ELSE '' END,
               CASE WHEN d.status IN ('sent', 'delivered')
                    THEN n.created_at + interval '5 seconds' END,
               CASE WHEN d.status = 'delivered' THEN n.created_at + interval '30 seconds' END,
               n.created_at, n.created_at + interval '30 seconds'
        FROM public.notifications n
        CROSS JOIN LATERAL jsonb_array_elements_text(n.channels) c(channel)
        CROSS JOIN LATERAL (
            SELECT CASE WHEN u < 0.9 THEN 'delivered' WHEN u < 0.95 THEN 'sent'
                        WHEN u < 0.98 THEN 'failed' ELSE 'bounced' END AS status
            FROM (SELECT random() AS u, c.channel) x) d
        WHERE n.created_at >= now() - interval '{DELIVERY_LOG_DAYS} days'
          AND c.channel <> 'in_app'
        ORDER BY n.created_at, n.id, c.channel""",
        replaces=("copy_notification_created_at",),
    )
    loader.load(
        "notification_preferences",
        f"""INSERT INTO public.notification_preferences (id, user_id, channel, type, is_enabled,
                                                        created_at, updated_at)
        SELECT pg_temp.vol_uuid(u.created_at, {Tag.PREFERENCE}, u.n * 2 + p.i), u.id,
               p.channel, p.type, false, u.created_at, u.created_at
        FROM vol_user u
        CROSS JOIN LATERAL (SELECT 0 AS i, 'email' AS channel, 'promotion' AS type
                            WHERE u.n % 10 = 3
                            UNION ALL
                            SELECT 1, 'sms', 'shipping' WHERE u.n % 33 = 5) p
        ORDER BY u.n, p.i""",
    )
