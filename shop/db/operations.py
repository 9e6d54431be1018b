"""Migration operations the project's migrations share."""

from django.db import migrations

# django-pgtrigger drops a trigger on the way back but keeps its function, and keeps the helper
# _pgtrigger_should_ignore() that every trigger function calls.
PRUNE_TRIGGER_FUNCTIONS_SQL = """
DO $$
DECLARE
    orphan regprocedure;
BEGIN
    FOR orphan IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'pgtrigger\\_%'
          AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgfoid = p.oid)
    LOOP
        EXECUTE 'DROP FUNCTION ' || orphan;
    END LOOP;
    IF NOT EXISTS (
        SELECT 1 FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'pgtrigger\\_%'
    ) THEN
        DROP FUNCTION IF EXISTS public._pgtrigger_should_ignore(name);
    END IF;
END
$$;
"""


class PruneTriggerFunctions(migrations.RunSQL):
    """Nothing on the way forward; on the way back, drop trigger functions left without a trigger.

    Put it first in a migration that adds pgtrigger triggers: run backwards, it comes last, after
    the triggers (and their tables) are gone, so migrating to zero leaves no function behind.
    """

    def __init__(self) -> None:
        super().__init__(sql=migrations.RunSQL.noop, reverse_sql=PRUNE_TRIGGER_FUNCTIONS_SQL)

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {})

    def describe(self) -> str:
        return "Drop trigger functions left without a trigger (backwards only)"


class DropOrphanTriggerFunctions(migrations.RunSQL):
    """On the way forward, drop trigger functions left without a trigger; nothing on the way back.

    django-pgtrigger's RemoveTrigger keeps the function of the trigger it drops. Put it last in a
    migration that removes or renames triggers, so no stale function (with an old body) stays.
    """

    def __init__(self) -> None:
        super().__init__(sql=PRUNE_TRIGGER_FUNCTIONS_SQL, reverse_sql=migrations.RunSQL.noop)

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {})

    def describe(self) -> str:
        return "Drop trigger functions left without a trigger (forwards only)"
