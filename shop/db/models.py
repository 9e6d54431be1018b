"""Abstract base models: UUIDv7 ids, audit fields, soft delete.

- ``AuditedModel``: ``created_at``/``updated_at`` (timestamptz; ``updated_at`` kept by a database
  trigger so every writer keeps it) and ``created_by``/``updated_by``.
- ``BaseModel``: an ``AuditedModel`` with a UUIDv7 ``id`` — the base of almost every table.
- ``SoftDeleteModel``: a ``BaseModel`` whose rows are hidden rather than removed.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.db.models.signals import class_prepared
from django.dispatch import receiver
from django.utils import timezone

from shop.db.ids import UUIDv7, uuid7
from shop.db.triggers import CLIENT_WRITER, Trigger


class AuditedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)
    updated_at = models.DateTimeField(
        default=timezone.now,
        db_default=Now(),
        editable=False,
        db_comment="Set by a trigger on every UPDATE (statement time), whoever writes the row.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True


# One trigger definition, installed on every audited table (see below). updated_at is
# statement_timestamp(), like the column default (Django's Now()), not the transaction start.
# A Supabase client's word on who wrote a row is not evidence, so for anon and authenticated
# writers the database fills in who (auth.uid()) and keeps the row's creation facts.
keep_audit_fields = Trigger(
    name="keep_audit_fields",
    when=pgtrigger.Before,
    operation=pgtrigger.Insert | pgtrigger.Update,
    func=f"""
    IF TG_OP = 'UPDATE' THEN
        NEW.updated_at = statement_timestamp();
    END IF;
    IF {CLIENT_WRITER} THEN
        NEW.updated_by_id = auth.uid();
        IF TG_OP = 'INSERT' THEN
            NEW.created_by_id = auth.uid();
            NEW.created_at = statement_timestamp();
        ELSE
            NEW.created_by_id = OLD.created_by_id;
            NEW.created_at = OLD.created_at;
        END IF;
    END IF;
    RETURN NEW;
    """,
)


@receiver(class_prepared)
def _install_keep_audit_fields(sender: type[models.Model], **kwargs) -> None:
    # Registered here rather than in each model's Meta.triggers, so a model that declares
    # triggers of its own cannot drop this one by accident.
    if issubclass(sender, AuditedModel) and not sender._meta.abstract and not sender._meta.proxy:
        pgtrigger.register(keep_audit_fields)(sender)


class BaseModel(AuditedModel):
    id = models.UUIDField(primary_key=True, default=uuid7, db_default=UUIDv7(), editable=False)

    class Meta:
        abstract = True


class SoftDeleteQuerySet(models.QuerySet):
    def delete(self, *, by=None) -> tuple[int, dict[str, int]]:
        """Soft-delete the rows: they stay in the table, hidden from ``objects``."""
        count = self.filter(is_deleted=False).update(deleted_at=Now(), deleted_by=by)
        return count, {self.model._meta.label: count}

    def hard_delete(self) -> tuple[int, dict[str, int]]:
        """Really delete the rows; the database's ON DELETE rules apply."""
        return super().delete()

    def restore(self) -> int:
        return self.filter(is_deleted=True).update(deleted_at=None, deleted_by=None)

    def alive(self) -> "SoftDeleteQuerySet":
        return self.filter(is_deleted=False)

    def deleted(self) -> "SoftDeleteQuerySet":
        return self.filter(is_deleted=True)


class SoftDeleteManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    """The default manager: rows that are not soft-deleted."""

    def get_queryset(self) -> SoftDeleteQuerySet:
        return super().get_queryset().filter(is_deleted=False)


AllObjectsManager = models.Manager.from_queryset(SoftDeleteQuerySet)


class SoftDeleteModel(BaseModel):
    """Rows are hidden by ``delete()`` and removed only by an explicit ``hard_delete()``.

    ``is_deleted`` is generated from ``deleted_at`` by the database, so the two can never
    disagree, whoever writes the row: to soft-delete, set ``deleted_at``.
    """

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    is_deleted = models.GeneratedField(
        # Written as SQL rather than Q(deleted_at__isnull=False): validate_constraints() puts NULL
        # in for deleted_at, and Django turns "NULL IS NULL" into "matches nothing", which would
        # make every partial unique constraint on is_deleted skip its check in forms.
        expression=models.Func(
            models.F("deleted_at"),
            template="%(expressions)s IS NOT NULL",
            output_field=models.BooleanField(),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
        db_comment="Generated: true once deleted_at is set. Soft-delete by setting deleted_at.",
    )

    objects = SoftDeleteManager()
    all_objects = AllObjectsManager()

    class Meta:
        abstract = True

    def delete(self, using=None, keep_parents=False, *, by=None) -> tuple[int, dict[str, int]]:
        """Soft-delete this row (``hard_delete()`` removes it)."""
        result = type(self).all_objects.filter(pk=self.pk).delete(by=by)
        self.refresh_from_db(fields=["deleted_at", "deleted_by", "is_deleted"])
        return result

    def hard_delete(self) -> tuple[int, dict[str, int]]:
        return super().delete()

    def restore(self) -> None:
        type(self).all_objects.filter(pk=self.pk).restore()
        self.refresh_from_db(fields=["deleted_at", "deleted_by", "is_deleted"])
