"""Cross-cutting tables: the audit trail."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from shop.db.constraints import choices_check, json_type_check
from shop.db.indexes import newest_first
from shop.db.models import BaseModel
from shop.db.triggers import ModelTrigger, changed, kept_as_is, refuse


class AuditAction(models.TextChoices):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    LOGOUT = "logout"
    OTHER = "other"


ROW_ACTIONS = [AuditAction.INSERT, AuditAction.UPDATE, AuditAction.DELETE]

# The columns of a trail row that name a user.
TRAIL_USERS = ("user", "created_by", "updated_by")

APPEND_ONLY_MESSAGE = (
    "% of an audit_logs row refused; the audit trail is append-only"
    " (an UPDATE may only clear the id of a deleted user)"
)

# Append-only: rows come in (the audit triggers, the backend's security events) and never
# change or leave, except that erasing a user (a hard delete) nulls the columns naming them
# (their foreign keys are ON DELETE SET NULL). Old months leave whole, by detaching or dropping
# their partition: DDL, which no row trigger sees. TRUNCATE is left alone (Django's test flush
# uses it).
append_only = ModelTrigger(
    name="audit_logs_append_only",
    when=pgtrigger.Before,
    operation=pgtrigger.Update | pgtrigger.Delete,
    # The UPDATE must clear a user: one that changes nothing is refused too.
    func=lambda model: (
        f"""
    IF TG_OP = 'UPDATE' AND {kept_as_is(model, users=TRAIL_USERS)}
       AND {changed(["user_id", "created_by_id", "updated_by_id"])} THEN
        RETURN NEW;
    END IF;
    {refuse("audit_logs_append_only", APPEND_ONLY_MESSAGE, "TG_OP")}
    """
    ),
)


class AuditLog(BaseModel):
    """One change to a row, or one security event (login, logout, ...).

    Declared as an ordinary model, but the table is range-partitioned by month on
    ``timestamp``: ``shop/migrations/0002_audit_logs.py`` (SeparateDatabaseAndState + RunSQL)
    creates it ``PARTITION BY RANGE (timestamp)`` with ``PRIMARY KEY (id, timestamp)`` and a DEFAULT
    partition. Hence no unique constraints here (they would have to include timestamp).

    Row changes are written by the database: the ``audit_trail`` triggers of
    ``shop/migrations/0006_audit_trail.py`` (``shop.audit`` names the actor). Append-only.
    """

    # Who did it. No index of its own: idx_audit_logs_user_timestamp leads with user_id.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_logs",
        db_index=False,
    )
    action = models.CharField(max_length=20, choices=AuditAction)
    table_name = models.CharField(
        max_length=63,
        blank=True,
        default="",
        db_default="",
        db_comment="Table of the changed row; empty for events not about a row (login, logout).",
    )
    row_id = models.TextField(
        blank=True,
        default="",
        db_default="",
        db_comment=(
            "Primary key of the changed row as text; a composite key as a JSON array of its "
            'values in key order, e.g. ["<product_id>", "<tier_id>"].'
        ),
    )
    changes = models.JSONField(
        default=dict,
        db_default={},
        blank=True,
        db_comment=(
            "JSON object {column: [old, new]} of the changed columns; old is null on insert, "
            "new is null on delete."
        ),
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.TextField(blank=True, default="", db_default="")
    timestamp = models.DateTimeField(
        default=timezone.now,
        db_default=Now(),
        db_comment="When it happened; the partition key (one partition per month).",
    )

    class Meta:
        db_table = "audit_logs"
        db_table_comment = "Append-only trail of changes and security events; partitioned by month"
        indexes = [
            newest_first("audit_logs", field="timestamp"),
            # Serves: what a user did, newest first (the plan's index); also the user FK's index.
            models.Index(
                "user",
                models.F("timestamp").desc(),
                name="idx_audit_logs_user_timestamp",
            ),
            # Serves: the history of one row, newest first.
            models.Index(
                "table_name",
                "row_id",
                models.F("timestamp").desc(),
                name="idx_audit_logs_row_history",
            ),
        ]
        constraints = [
            choices_check("action", AuditAction, name="audit_logs_action_valid"),
            models.CheckConstraint(
                condition=~models.Q(action__in=ROW_ACTIONS)
                | (~models.Q(table_name="") & ~models.Q(row_id="")),
                name="audit_logs_row_action_names_row",
                violation_error_message="insert, update and delete name table_name and row_id.",
            ),
            json_type_check("changes", "object", name="audit_logs_changes_object"),
        ]
        triggers = [append_only]

    def __str__(self) -> str:
        target = f" {self.table_name} {self.row_id}".rstrip()
        return f"{self.action}{target} at {self.timestamp}"
