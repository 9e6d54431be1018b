from django.db.backends.postgresql import base, features

from shop.db.backend.schema import DatabaseSchemaEditor


class DatabaseFeatures(features.DatabaseFeatures):
    # Security-invoker views, NULLS NOT DISTINCT and MERGE need PostgreSQL 15 (Supabase runs 15+).
    minimum_database_version = (15,)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    features_class = DatabaseFeatures
