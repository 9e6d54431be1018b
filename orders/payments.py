"""Payments: Razorpay webhooks recorded and applied once, refunds that never exceed the capture.

The database holds the rules (``orders.models``): a verified event is recorded once per
provider (``uq_payment_webhook_events_event``); refunds only add up
(``payment_transactions_refunds_only_add_up``), never beyond the amount (``check_refund_amount``)
and only on a captured payment (``payment_transactions_refund_after_capture``). The services
lock what they change, so concurrent callers take turns, and refuse bad input first with a
``ValidationError`` whose ``code`` is the rule's name; nothing is written then.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from orders.models import (
    REFUNDABLE_STATUSES,
    Order,
    PaymentStatus,
    PaymentTransaction,
    PaymentTransactionStatus,
    PaymentWebhookLog,
    broken_rule,
)
from shop.db.fields import ZERO

# The unique key that recognises a redelivered event (see PaymentWebhookLog).
REDELIVERY = "uq_payment_webhook_events_event"
CENT = Decimal("0.01")


@transaction.atomic
def record_webhook(
    *,
    provider: str,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    signature_valid: bool,
) -> tuple[PaymentWebhookLog | None, bool]:
    """Record a webhook delivery and apply a verified event: ``(log, created)``.

    A redelivered verified event writes nothing and is not applied again: it returns the first
    delivery's log and False (None for the log if its partition was dropped since). A second
    delivery racing the first waits for it to commit, then is a redelivery; if the first rolled
    back, the second is recorded and applied instead. An unverified delivery is logged as
    evidence, never applied, and does not stand in the way of the genuine event.
    """
    try:
        with transaction.atomic():
            log = PaymentWebhookLog.objects.create(
                provider=provider,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                signature_valid=signature_valid,
            )
    except IntegrityError as error:
        if error.__cause__.diag.constraint_name != REDELIVERY:
            raise
        first = PaymentWebhookLog.objects.filter(
            provider=provider, event_id=event_id, signature_valid=True
        ).first()
        return first, False
    if signature_valid:
        apply_event(log)
    return log, True


def apply_event(log: PaymentWebhookLog) -> None:
    """Apply a verified event to its payment; an event that cannot be applied says why.

    Events the shop does not act on are marked processed with nothing to do. A failure (an
    unknown payment, a refund beyond the capture) is written to ``processing_error`` with
    ``processed_at`` left NULL, and whatever the attempt wrote is rolled back.
    """
    apply = APPLY.get(log.event_type)
    try:
        with transaction.atomic():
            payment = apply(log.payload) if apply else None
    except ValidationError as error:
        log.processing_error = " ".join(error.messages)
    else:
        log.payment_transaction = payment
        log.processed_at = timezone.now()
    log.save(update_fields=["payment_transaction", "processed_at", "processing_error"])


def entity(payload: dict[str, Any], name: str) -> dict[str, Any]:
    """The ``payment`` or ``refund`` entity of a Razorpay event payload."""
    try:
        found = payload["payload"][name]["entity"]
    except (KeyError, TypeError):
        found = None
    if (
        not isinstance(found, dict)
        or not isinstance(found.get("amount"), int)
        or not found.get("id")
    ):
        raise broken_rule(
            "webhook_payload",
            f"the event has no {name} entity with an id and an amount in paise.",
        )
    return found


def rupees(paise: int) -> Decimal:
    """Razorpay's amounts are integers in paise."""
    return Decimal(paise) / 100


def payment_of(**lookup: Any) -> PaymentTransaction:
    """The payment matching ``lookup`` (the newest attempt); refused if there is none."""
    payment = PaymentTransaction.objects.filter(**lookup).order_by("-created_at").first()
    if payment is None:
        raise broken_rule(
            "webhook_payment_known",
            f"no payment transaction matches {lookup}.",
        )
    return payment


def locked(payment: PaymentTransaction) -> tuple[Order, PaymentTransaction]:
    """The payment's order and the payment as they are, locked in that order.

    Every service here takes the two locks in the same order, so none waits on another in a
    circle (a deadlock).
    """
    order = Order.all_objects.select_for_update().get(pk=payment.order_id)
    return order, PaymentTransaction.objects.select_for_update().get(pk=payment.pk)


def apply_payment_captured(payload: dict[str, Any]) -> PaymentTransaction:
    """``payment.captured``: the attempt of that Razorpay order is paid; so is the order."""
    captured = entity(payload, "payment")
    found = PaymentTransaction.objects.filter(razorpay_payment_id=captured["id"]).first()
    found = found or payment_of(
        razorpay_order_id=captured.get("order_id"), razorpay_payment_id=None
    )
    order, payment = locked(found)
    if rupees(captured["amount"]) != payment.amount:
        raise broken_rule(
            "webhook_amount_matches",
            f"Razorpay captured {rupees(captured['amount'])}, the payment is for {payment.amount}.",
        )
    if payment.captured_at is None:
        payment.razorpay_payment_id = captured["id"]
        payment.method = captured.get("method") or payment.method
        payment.status = PaymentTransactionStatus.CAPTURED
        payment.captured_at = timezone.now()
        payment.save(update_fields=["razorpay_payment_id", "method", "status", "captured_at"])
        order.payment_status = PaymentStatus.PAID
        order.save(update_fields=["payment_status"])
    return payment


def apply_refund_processed(payload: dict[str, Any]) -> PaymentTransaction:
    """``refund.processed``: Razorpay has paid the refund back; record it."""
    refunded = entity(payload, "refund")
    payment = payment_of(razorpay_payment_id=refunded.get("payment_id"))
    return refund(payment=payment, amount=rupees(refunded["amount"]))


APPLY: dict[str, Callable[[dict[str, Any]], PaymentTransaction]] = {
    "payment.captured": apply_payment_captured,
    "refund.processed": apply_refund_processed,
}


@transaction.atomic
def refund(*, payment: PaymentTransaction, amount: Decimal) -> PaymentTransaction:
    """Refund ``amount`` of a captured payment; all its refunds never exceed what was captured.

    The order and then the payment are locked (FOR UPDATE), so refunds of the same order take
    turns and each one sees what the others refunded; ``check_refund_amount`` is the last
    guard. The payment becomes partially_refunded or refunded, and the order's payment_status
    follows from all its captured payments. Returns the payment as it is now.
    """
    if amount <= 0 or amount != amount.quantize(CENT):
        raise broken_rule(
            "payment_transactions_refunds_only_add_up",
            f"a refund is a positive amount in whole paise, not {amount}.",
        )
    order, payment = locked(payment)
    if payment.captured_at is None or payment.status not in REFUNDABLE_STATUSES:
        raise broken_rule(
            "payment_transactions_refund_after_capture",
            f"payment {payment.pk} is {payment.status}; only a captured payment is refunded.",
        )
    refunded = (payment.refund_amount or ZERO) + amount
    if refunded > payment.amount:
        raise broken_rule(
            "check_refund_amount",
            f"refunds of payment {payment.pk} would add up to {refunded}, "
            f"more than the {payment.amount} captured.",
        )
    payment.refund_amount = refunded
    payment.status = (
        PaymentTransactionStatus.REFUNDED
        if refunded == payment.amount
        else PaymentTransactionStatus.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["refund_amount", "status"])
    totals = order.payment_transactions.filter(captured_at__isnull=False).aggregate(
        captured=Sum("amount"), refunded=Sum("refund_amount")
    )
    order.payment_status = (
        PaymentStatus.REFUNDED
        if totals["refunded"] >= totals["captured"]
        else PaymentStatus.PARTIALLY_REFUNDED
    )
    order.save(update_fields=["payment_status"])
    return payment
