"""Payments: webhooks recorded and applied once, refunds that never exceed the capture."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from psycopg.types.json import Jsonb

from orders.models import PaymentStatus, PaymentTransactionStatus, PaymentWebhookLog
from orders.payments import record_webhook, refund
from tests.concurrency import OtherSession
from tests.factories import OrderFactory, PaymentTransactionFactory
from tests.support import count_rows, execute, fetch, fetch_one, refused, violates

pytestmark = pytest.mark.django_db

REFUNDED = PaymentTransactionStatus.REFUNDED
PARTLY = PaymentTransactionStatus.PARTIALLY_REFUNDED


def captured_payment(amount: str, **fields):
    """A captured payment of ``amount`` (rupees) for a paid order."""
    order = fields.pop("order", None) or OrderFactory(payment_status=PaymentStatus.PAID)
    return PaymentTransactionFactory(order=order, amount=Decimal(amount), **fields)


def state(payment) -> tuple:
    """(refund_amount, payment status, order payment_status), as stored."""
    return fetch_one(
        """SELECT p.refund_amount, p.status, o.payment_status
           FROM payment_transactions p JOIN orders o ON o.id = p.order_id WHERE p.id = %s""",
        [payment.pk],
    )


def refund_event(payment_id: str, paise: int) -> dict:
    """Razorpay's refund.processed webhook body: ``paise`` of payment ``payment_id`` refunded."""
    refund_entity = {
        "id": "rfnd_00000000000001",
        "payment_id": payment_id,
        "amount": paise,
        "currency": "INR",
        "status": "processed",
    }
    return {
        "entity": "event",
        "event": "refund.processed",
        "payload": {"refund": {"entity": refund_entity}},
    }


def deliver(payload: dict, *, event_id: str = "evt_R0000000000001", signature_valid: bool = True):
    return record_webhook(
        provider="razorpay",
        event_id=event_id,
        event_type=payload["event"],
        payload=payload,
        signature_valid=signature_valid,
    )


# --- The database's rules, whoever writes --------------------------------------------------------


def test_refunds_only_add_up_in_the_database():
    payment = captured_payment("500.00", refund_amount=Decimal("100.00"))
    for smaller in ("99.99", "0.00", None):
        with violates("payment_transactions_refunds_only_add_up"):
            execute(
                "UPDATE payment_transactions SET refund_amount = %s WHERE id = %s",
                [smaller, payment.pk],
            )
    assert state(payment)[0] == Decimal("100.00")
    execute("UPDATE payment_transactions SET refund_amount = 100.01 WHERE id = %s", [payment.pk])
    assert state(payment)[0] == Decimal("100.01")


def test_only_a_captured_payment_is_refunded_in_the_database():
    attempt = PaymentTransactionFactory(
        status=PaymentTransactionStatus.CREATED, captured_at=None, razorpay_payment_id=None
    )
    failed_after_capture = captured_payment("500.00", status=PaymentTransactionStatus.FAILED)
    for payment in (attempt, failed_after_capture):
        with violates("payment_transactions_refund_after_capture"):
            execute("UPDATE payment_transactions SET refund_amount = 1 WHERE id = %s", [payment.pk])
    # No refund (zero) is no refund; a captured payment is refunded.
    execute("UPDATE payment_transactions SET refund_amount = 0 WHERE id = %s", [attempt.pk])
    captured = captured_payment("500.00")
    execute(
        "UPDATE payment_transactions SET refund_amount = 1, status = 'partially_refunded' "
        "WHERE id = %s",
        [captured.pk],
    )
    assert state(captured)[:2] == (Decimal("1.00"), PARTLY)


INSERT_LOG = """
INSERT INTO payment_webhook_logs (provider, event_id, event_type, payload, signature_valid)
VALUES ('razorpay', %s, 'payment.captured', %s, %s)
"""


def test_a_verified_event_is_recorded_once_per_provider_whoever_inserts():
    body = Jsonb({"event": "payment.captured"})
    # Unverified deliveries are evidence only: as many as arrive, claiming no event id.
    for _ in range(2):
        execute(INSERT_LOG, ["evt_X0000000000001", body, False])
    execute(INSERT_LOG, ["evt_X0000000000001", body, True])
    with violates("uq_payment_webhook_events_event"):
        execute(INSERT_LOG, ["evt_X0000000000001", body, True])
    with violates("payment_webhook_events_event_id_present"):
        execute(INSERT_LOG, ["", body, True])
    assert fetch(
        "SELECT signature_valid, count(*) FROM payment_webhook_logs WHERE event_id = %s "
        "GROUP BY signature_valid ORDER BY signature_valid",
        ["evt_X0000000000001"],
    ) == [(False, 2), (True, 1)]
    assert fetch("SELECT provider, event_id FROM payment_webhook_events") == [
        ("razorpay", "evt_X0000000000001")
    ]


def test_a_webhook_log_keeps_what_was_received():
    execute(INSERT_LOG, ["evt_X0000000000002", Jsonb({"event": "payment.captured"}), True])
    for change in ("event_id = 'evt_X0000000000003'", "signature_valid = false", "payload = '{}'"):
        with violates("payment_webhook_logs_received_as_is"):
            execute(f"UPDATE payment_webhook_logs SET {change}")
    execute("UPDATE payment_webhook_logs SET processed_at = now(), processing_error = 'x'")
    assert fetch(
        "SELECT event_id, signature_valid, payload::text, processed_at IS NOT NULL "
        "FROM payment_webhook_logs"
    ) == [("evt_X0000000000002", True, '{"event": "payment.captured"}', True)]


# --- refund() ---------------------------------------------------------------------------------


def test_refunds_add_up_to_exactly_the_capture_and_not_a_paisa_more():
    payment = captured_payment("500.00")
    steps = [
        ("100.00", (Decimal("100.00"), PARTLY, PaymentStatus.PARTIALLY_REFUNDED)),
        ("150.00", (Decimal("250.00"), PARTLY, PaymentStatus.PARTIALLY_REFUNDED)),
        ("250.00", (Decimal("500.00"), REFUNDED, PaymentStatus.REFUNDED)),
    ]
    for amount, expected in steps:
        assert refund(payment=payment, amount=Decimal(amount)).refund_amount == expected[0]
        assert state(payment) == expected
    error = refused("check_refund_amount", refund, payment=payment, amount=Decimal("0.01"))
    assert "would add up to 500.01, more than the 500.00 captured" in error.messages[0]
    assert state(payment) == (Decimal("500.00"), REFUNDED, PaymentStatus.REFUNDED)


def test_an_orders_payment_status_follows_all_its_captured_payments():
    order = OrderFactory(payment_status=PaymentStatus.PAID)
    first = captured_payment("300.00", order=order)
    second = captured_payment("200.00", order=order)
    PaymentTransactionFactory(  # a failed attempt counts for nothing
        order=order,
        status=PaymentTransactionStatus.FAILED,
        captured_at=None,
        razorpay_payment_id=None,
    )
    refund(payment=first, amount=Decimal("300.00"))
    assert state(first) == (Decimal("300.00"), REFUNDED, PaymentStatus.PARTIALLY_REFUNDED)
    refund(payment=second, amount=Decimal("200.00"))
    assert state(second) == (Decimal("200.00"), REFUNDED, PaymentStatus.REFUNDED)


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "0.001", "10.005"])
def test_a_refund_is_a_positive_amount_in_whole_paise(amount):
    payment = captured_payment("500.00")
    refused(
        "payment_transactions_refunds_only_add_up", refund, payment=payment, amount=Decimal(amount)
    )
    assert state(payment) == (None, PaymentTransactionStatus.CAPTURED, PaymentStatus.PAID)


@pytest.mark.parametrize(
    "status", [PaymentTransactionStatus.CREATED, PaymentTransactionStatus.AUTHORIZED, "failed"]
)
def test_only_a_captured_payment_is_refunded(status):
    payment = PaymentTransactionFactory(status=status, captured_at=None, razorpay_payment_id=None)
    before = state(payment)
    refused(
        "payment_transactions_refund_after_capture", refund, payment=payment, amount=Decimal("1")
    )
    assert state(payment) == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("second", "outcome"),
    [
        ("300.00", (Decimal("300.00"), PARTLY, PaymentStatus.PARTIALLY_REFUNDED)),
        # Both fit: the second adds to the first's refund, which it waited for (no lost update).
        ("200.00", (Decimal("500.00"), REFUNDED, PaymentStatus.REFUNDED)),
    ],
)
def test_concurrent_refunds_take_turns_and_never_exceed_the_capture(second, outcome):
    payment = captured_payment("500.00")
    with transaction.atomic():
        refund(payment=payment, amount=Decimal("300.00"))
        other = OtherSession(lambda: refund(payment=payment, amount=Decimal(second)))
        other.wait_until_blocked()
    if outcome[1] == PARTLY:
        with pytest.raises(ValidationError) as caught:
            other.result()
        assert caught.value.code == "check_refund_amount"
    else:
        assert other.result().refund_amount == Decimal("500.00")
    assert state(payment) == outcome


# --- record_webhook() --------------------------------------------------------------------------


def test_a_redelivered_event_is_recognised_and_applied_once():
    payment = captured_payment("500.00")
    event = refund_event(payment.razorpay_payment_id, 20000)
    log, created = deliver(event)
    assert created is True
    again, created_again = deliver(event)
    assert (again.pk, created_again) == (log.pk, False)
    assert state(payment) == (Decimal("200.00"), PARTLY, PaymentStatus.PARTIALLY_REFUNDED)
    assert fetch(
        "SELECT payment_transaction_id, processed_at IS NOT NULL, processing_error "
        "FROM payment_webhook_logs"
    ) == [(payment.pk, True, "")]
    # Another event (a second refund) is another application.
    assert (
        deliver(refund_event(payment.razorpay_payment_id, 5000), event_id="evt_R0000000000002")[1]
        is True
    )
    assert state(payment)[0] == Decimal("250.00")


def test_a_captured_payment_event_pays_the_attempt_and_its_order():
    order = OrderFactory(grand_total=Decimal("1180.00"))
    attempt = PaymentTransactionFactory(
        order=order,
        status=PaymentTransactionStatus.CREATED,
        captured_at=None,
        razorpay_payment_id=None,
        method="",
    )
    captured = {
        "id": "pay_00000000000042",
        "order_id": order.razorpay_order_id,
        "amount": 118000,
        "currency": "INR",
        "status": "captured",
        "method": "upi",
    }
    body = {"event": "payment.captured", "payload": {"payment": {"entity": captured}}}
    # Razorpay capturing another amount than the attempt's is not applied.
    short = {"payload": {"payment": {"entity": {**captured, "amount": 117999}}}}
    mismatch, _ = deliver({**body, **short}, event_id="evt_C0000000000001")
    assert mismatch.processing_error == (
        "webhook_amount_matches: Razorpay captured 1179.99, the payment is for 1180.00."
    )
    assert fetch_one("SELECT status FROM payment_transactions WHERE id = %s", [attempt.pk]) == (
        "created"
    )
    log, created = deliver(body)
    assert (created, log.payment_transaction_id, log.processing_error) == (True, attempt.pk, "")
    assert fetch(
        "SELECT p.status, p.razorpay_payment_id, p.method, p.captured_at IS NOT NULL, "
        "o.payment_status FROM payment_transactions p JOIN orders o ON o.id = p.order_id "
        "WHERE p.id = %s",
        [attempt.pk],
    ) == [("captured", "pay_00000000000042", "upi", True, "paid")]


def test_an_unverified_delivery_is_kept_but_never_applied_nor_in_the_way():
    payment = captured_payment("500.00")
    event = refund_event(payment.razorpay_payment_id, 20000)
    forged, created = deliver(event, signature_valid=False)
    assert created is True
    assert state(payment)[0] is None
    genuine, created = deliver(event)
    assert (created, genuine.pk != forged.pk) == (True, True)
    assert state(payment)[0] == Decimal("200.00")
    assert fetch(
        "SELECT signature_valid, processed_at IS NOT NULL FROM payment_webhook_logs "
        "ORDER BY signature_valid"
    ) == [(False, False), (True, True)]


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (lambda p: refund_event(p, 50001), "check_refund_amount: refunds of payment"),
        (
            lambda p: {**refund_event(p, 100), "payload": {"refund": {"entity": {"id": "rfnd_1"}}}},
            "webhook_payload: the event has no refund entity",
        ),
        (
            lambda p: refund_event("pay_unknown", 100),
            "webhook_payment_known: no payment transaction matches",
        ),
    ],
    ids=["beyond-the-capture", "malformed", "unknown-payment"],
)
def test_an_event_that_cannot_be_applied_is_kept_with_the_reason(event, error):
    payment = captured_payment("500.00")
    log, created = deliver(event(payment.razorpay_payment_id))
    assert created is True
    assert log.processing_error.startswith(error), log.processing_error
    stored = PaymentWebhookLog.objects.get(pk=log.pk)
    assert (stored.processed_at, stored.processing_error) == (None, log.processing_error)
    assert state(payment) == (None, PaymentTransactionStatus.CAPTURED, PaymentStatus.PAID)


def test_an_event_the_shop_does_not_act_on_is_marked_processed():
    log, created = deliver({"event": "order.paid", "payload": {}})
    assert (created, log.processed_at is not None, log.payment_transaction_id) == (
        True,
        True,
        None,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
def test_concurrent_deliveries_of_an_event_apply_it_once(first_commits):
    payment = captured_payment("500.00")
    event = refund_event(payment.razorpay_payment_id, 20000)

    with transaction.atomic():
        first, _ = deliver(event)
        other = OtherSession(lambda: deliver(event))
        other.wait_until_blocked()
        transaction.set_rollback(not first_commits)
    second, created = other.result()
    assert created is not first_commits
    if first_commits:
        assert second.pk == first.pk
    assert state(payment) == (Decimal("200.00"), PARTLY, PaymentStatus.PARTIALLY_REFUNDED)
    assert count_rows("payment_webhook_logs") == count_rows("payment_webhook_events") == 1
