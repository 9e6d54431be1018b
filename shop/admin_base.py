"""Building blocks of every app's admin: the shop's tables are large, guarded and soft-deleted.

- :class:`ShopModelAdmin`: no page loads a whole table (every relation is a raw id unless the
  admin names it in ``autocomplete_fields``; no full ``COUNT(*)`` of the table), the audit
  columns are shown read-only, and a write the database refuses comes back as an error message
  naming the rule, with nothing saved, instead of a server error.
- :class:`SoftDeleteAdmin`: lists alive rows by default and deleted ones through the
  *deleted* filter; deleting soft-deletes (recording who), and an action restores.
- :class:`ReadOnlyAdmin` (:class:`ReadOnlySoftDeleteAdmin`, :class:`ViewOnlyInline`): for rows
  that are evidence or written by services (audit, webhooks, ledgers, invoices): view only.
- :class:`ShopTabularInline` / :class:`ShopStackedInline`: inlines with the same relation rule.
- Saves update only the columns the form changed (:func:`save_changed_columns`), so a page
  opened a while ago does not undo what a service wrote since.
- :func:`money`: a list or detail column showing an amount with its row's currency.
- :func:`recent`: the list filter of a partitioned log, which opens on its last 30 days.
"""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from functools import reduce

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import IntegrityError, models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.functional import cached_property

from shop.audit import audit_actor
from shop.db.counts import fast_count

AUDIT_FIELDS = ("created_at", "updated_at", "created_by", "updated_by")
SOFT_DELETE_FIELDS = ("deleted_at", "deleted_by")


def relation_fields(model: type[models.Model], *, except_: tuple[str, ...] = ()) -> tuple:
    """The editable foreign keys and many-to-many fields of ``model``, less ``except_``."""
    return tuple(
        field.name
        for field in [*model._meta.fields, *model._meta.many_to_many]
        if field.is_relation and field.editable and field.name not in except_
    )


class RawIdRelations:
    """Every relation the admin does not autocomplete is a raw id: a select box would load the
    whole related table (users, products, orders) into every page."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.raw_id_fields:
            self.raw_id_fields = relation_fields(
                self.model, except_=tuple(self.autocomplete_fields)
            )


class RecentFilter(admin.SimpleListFilter):
    """The period of a partitioned log's list, the last 30 days unless asked otherwise.

    A partitioned table's list (audit logs, notifications, webhook logs, a partition a month)
    plans every partition at each page, a month more every month: 4 ms of its 8 for the
    notifications at scale 1. A period from a fixed instant lets PostgreSQL plan only the
    partitions it falls in. A search looks at any time: it asks for a row, not a period.
    """

    title = "period"
    parameter_name = "period"
    field = "created_at"
    DEFAULT, ANY_TIME = "30", "all"
    PERIODS = (("1", "Today"), ("7", "Past 7 days"), ("30", "Past 30 days"), ("365", "Past year"))

    def lookups(self, request, model_admin):
        return (*self.PERIODS, (self.ANY_TIME, "Any time"))

    def choices(self, changelist):
        for value, title in self.lookup_choices:
            yield {
                "selected": (self.value() or self.DEFAULT) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }

    def queryset(self, request, queryset):
        period = self.value() or (self.ANY_TIME if request.GET.get("q") else self.DEFAULT)
        if period == self.ANY_TIME or period not in dict(self.PERIODS):
            return queryset
        since = timezone.now() - timedelta(days=int(period))
        return queryset.filter(**{f"{self.field}__gte": since})


def recent(field: str = "created_at") -> type[RecentFilter]:
    """A :class:`RecentFilter` on ``field`` (the table's partition key)."""
    return type(f"Recent{field.title().replace('_', '')}Filter", (RecentFilter,), {"field": field})


class EstimatedCountPaginator(Paginator):
    """Pages counted exactly while small, by the planner's estimate when large (shop.db.counts):
    a COUNT(*) of a million-row list would take longer than the page itself."""

    @cached_property
    def count(self) -> int:
        return fast_count(self.object_list)


class ShopModelAdmin(RawIdRelations, admin.ModelAdmin):
    list_per_page = 50
    paginator = EstimatedCountPaginator
    # The "N total" beside a filtered list is a COUNT(*) of the whole table: millions of rows.
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple:
        present = {field.name for field in self.model._meta.fields}
        shown = [f for f in (*AUDIT_FIELDS, *SOFT_DELETE_FIELDS) if f in present]
        return (*super().get_readonly_fields(request, obj), *shown)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        save_changed_columns(obj, changed=form.changed_data, by=request.user)

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        return self._writing(request, super().changeform_view, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id, extra_context=None) -> HttpResponse:
        return self._writing(request, super().delete_view, object_id, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # Actions (delete, restore, ...) run inside the changelist view.
        return self._writing(request, super().changelist_view, extra_context)

    def _writing(self, request: HttpRequest, view: Callable, *args) -> HttpResponse:
        """Run a view that may write: as the signed-in staff user in the audit trail, and with a
        refusal of the database shown as a message. Forms check the constraints Django knows
        of; triggers and the rest are the database's to refuse, and by the time the error gets
        here the view's transaction has rolled back: nothing was saved."""
        if request.method != "POST":
            return view(request, *args)
        try:
            with audit_actor(request.user):
                return view(request, *args)
        except IntegrityError as error:
            self.message_user(request, refusal_message(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def save_changed_columns(obj: models.Model, *, changed: list[str], by=None) -> None:
    """Insert a new row whole; update an existing one in the columns the form changed only.

    Django's admin writes back every column of the form, i.e. the values the page read when it
    opened: a payment status a webhook set, or stock a sale took, in the meantime would be
    undone. ``by`` (the staff user) is recorded in ``created_by``/``updated_by``; clients get
    theirs from ``auth.uid()`` (keep_audit_fields).
    """
    audited = by is not None and hasattr(obj, "updated_by_id")
    if audited:
        obj.updated_by = by
    if obj._state.adding:
        if audited:
            obj.created_by = by
        obj.save()
        return
    columns = {field.name for field in obj._meta.concrete_fields}
    fields = [name for name in changed if name in columns]
    if fields:
        obj.save(update_fields=[*fields, "updated_by"] if audited else fields)


def refusal_message(error: IntegrityError) -> str:
    """``Refused by the database (<rule>): <message>`` from a constraint or trigger refusal."""
    diag = getattr(error.__cause__, "diag", None)
    detail = (getattr(diag, "message_primary", None) or str(error)).strip()
    rule = getattr(diag, "constraint_name", None)
    return f"Refused by the database ({rule}): {detail}" if rule else f"Refused: {detail}"


class DeletedFilter(admin.SimpleListFilter):
    """Alive rows unless asked otherwise: the admin sees what the shop sees, and more."""

    title = "deleted"
    parameter_name = "deleted"
    ALIVE, DELETED, ALL = "no", "yes", "all"

    def lookups(self, request, model_admin):
        return ((self.DELETED, "Deleted"), (self.ALL, "All"))

    def choices(self, changelist):
        yield {
            "selected": self.value() in (None, self.ALIVE),
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Alive",
        }
        for value, title in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(is_deleted=self.value() == self.DELETED)


class SoftDeleteAdmin(ShopModelAdmin):
    actions = ["restore_selected"]

    def get_queryset(self, request: HttpRequest):
        # all_objects, so a deleted row opens too; DeletedFilter hides them in the list.
        queryset = self.model.all_objects.get_queryset()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_list_filter(self, request: HttpRequest) -> tuple:
        return (DeletedFilter, *super().get_list_filter(request))

    def get_deleted_objects(self, objs, request: HttpRequest):
        # A soft delete hides these rows and touches no other: the confirmation lists just them
        # (Django's would walk every related row, and call a RESTRICT-ed row undeletable).
        objs = list(objs)
        perms_needed = (
            set() if self.has_delete_permission(request) else {self.model._meta.verbose_name}
        )
        return (
            [str(obj) for obj in objs],
            {self.model._meta.verbose_name_plural: len(objs)},
            perms_needed,
            [],
        )

    def delete_model(self, request: HttpRequest, obj) -> None:
        obj.delete(by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        queryset.delete(by=request.user)

    @admin.action(description="Restore selected (undo the soft delete)", permissions=["change"])
    def restore_selected(self, request: HttpRequest, queryset) -> None:
        restored = queryset.restore()
        self.message_user(request, f"Restored {restored} row(s).", messages.SUCCESS)


class ViewOnly:
    """Nobody adds, edits or deletes these rows in the admin, whatever their permissions."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ViewOnly, ShopModelAdmin):
    """Rows that are evidence or written by services (logs, ledgers, invoices, payments): the
    database refuses most edits of them anyway, and the admin does not offer any."""


class ReadOnlySoftDeleteAdmin(ViewOnly, SoftDeleteAdmin):
    """Read-only rows that may be soft-deleted: deleted ones behind the *deleted* filter."""


class ChangedColumnsForm(forms.ModelForm):
    """An inline row's form that updates only the columns it changed (see save_changed_columns)."""

    def save(self, commit: bool = True):
        instance = super().save(commit=False)
        if commit:
            save_changed_columns(instance, changed=self.changed_data)
            self.save_m2m()
        return instance


class ShopTabularInline(RawIdRelations, admin.TabularInline):
    form = ChangedColumnsForm
    extra = 0
    show_change_link = True


class ShopStackedInline(RawIdRelations, admin.StackedInline):
    form = ChangedColumnsForm
    extra = 0
    show_change_link = True


class ViewOnlyInline(ViewOnly, ShopTabularInline):
    """Rows shown on their parent's page as they are: services write them, not staff."""


def money(field: str, *, currency: str = "currency", description: str | None = None) -> Callable:
    """A column showing ``field`` as ``INR 1,234.50``, in the currency of the row.

    ``currency`` names the row's currency attribute; a dotted path follows a relation
    (``"order.currency"``: select it with ``list_select_related`` in a list).
    """

    @admin.display(description=description or field.replace("_", " "), ordering=field)
    def show(obj: models.Model) -> str:
        amount: Decimal | None = getattr(obj, field)
        if amount is None:
            return "-"
        return f"{reduce(getattr, currency.split('.'), obj)} {amount:,.2f}"

    show.__name__ = field
    return show
