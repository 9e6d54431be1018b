"""Helpers of the admin tests: URLs, the rows a list shows, a change form's data."""

from django.db import models
from django.urls import reverse


def admin_url(model: type[models.Model], view: str, *args) -> str:
    """``admin_url(Order, "change", order.pk)``: the admin URL of a model's view."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def listed(response) -> list:
    """The primary keys of the rows a changelist shows, in order."""
    assert response.status_code == 200, response.status_code
    return [row.pk for row in response.context["cl"].result_list]


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def form_data(response) -> dict:
    """The POST data of an admin change form as it was rendered: every form's values, and the
    management forms of its inlines (what a browser would send back unchanged)."""
    context = response.context
    forms = [context["adminform"].form]
    data = {}
    for inline in context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(name): value for name, value in management.initial.items()}
        forms += inline.formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value is not None and value is not False:  # 0 == False: keep a sort order of 0
                data[form.add_prefix(name)] = value
    return data
