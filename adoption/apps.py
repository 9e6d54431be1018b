from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    """Adopting a live shop: ``manage.py import_legacy`` moves the database as deployed before
    the plan (``legacy``) into the new schema. No models: its bookkeeping lives in the
    ``legacy_import`` schema, which the runbook drops once the shop has moved."""

    name = "adoption"
    verbose_name = "Adoption of the legacy database"
