"""The SQL building blocks of the volume load: a clock, ids, skew, addresses, audit rows.

They are session-temporary functions (``pg_temp``), created in the loading transaction and gone
with it: the schema is not touched. Every generator draws from ``random()``, seeded once with
``setseed`` (``--seed``), and ids are derived from (time, table tag, row number), so one seed
and one scale give the same shop, row for row, relative to the moment it is loaded.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

# Traffic grows: the last day of the window sees GROWTH times the orders (and sign-ups) of the
# first. A row's time is drawn from that density (see vol_time).
GROWTH = 3.0
MONTHS = 24
DOMAIN = "volume.example.com"

FIRST_NAMES = [
    "Aarav",
    "Vivaan",
    "Aditya",
    "Vihaan",
    "Arjun",
    "Sai",
    "Reyansh",
    "Ayaan",
    "Krishna",
    "Ishaan",
    "Ananya",
    "Diya",
    "Saanvi",
    "Aadhya",
    "Kiara",
    "Pari",
    "Myra",
    "Anika",
    "Navya",
    "Meera",
    "Rohan",
    "Kabir",
    "Priya",
    "Neha",
]
LAST_NAMES = [
    "Sharma",
    "Verma",
    "Gupta",
    "Iyer",
    "Nair",
    "Reddy",
    "Patel",
    "Shah",
    "Mehta",
    "Das",
    "Bose",
    "Singh",
    "Khan",
    "Joshi",
    "Rao",
    "Pillai",
    "Kulkarni",
    "Chatterjee",
    "Menon",
    "Agarwal",
]
# (city, state, PIN prefix); big cities repeat, so they get more customers.
CITIES = (
    ("Mumbai", "Maharashtra", "400"),
    ("Delhi", "Delhi", "110"),
    ("Bengaluru", "Karnataka", "560"),
    ("Mumbai", "Maharashtra", "400"),
    ("Delhi", "Delhi", "110"),
    ("Bengaluru", "Karnataka", "560"),
    ("Chennai", "Tamil Nadu", "600"),
    ("Hyderabad", "Telangana", "500"),
    ("Kolkata", "West Bengal", "700"),
    ("Pune", "Maharashtra", "411"),
    ("Ahmedabad", "Gujarat", "380"),
    ("Jaipur", "Rajasthan", "302"),
    ("Lucknow", "Uttar Pradesh", "226"),
    ("Kochi", "Kerala", "682"),
    ("Chandigarh", "Chandigarh", "160"),
    ("Indore", "Madhya Pradesh", "452"),
)
STREETS = "MG Road|Station Road|Park Street|Nehru Nagar|Gandhi Marg|Lake View Road|Temple Street"


class Tag(IntEnum):
    """Each table's tag in the ids the load makes (pg_temp.vol_uuid): ids never collide."""

    USER = 1
    CUSTOMER_PROFILE = 2
    USER_ADDRESS = 3
    ADMIN_PROFILE = 4
    TIER = 6
    PRODUCT = 7
    VARIANT = 8
    LOCATION = 9
    INVENTORY = 10
    INVENTORY_ENTRY = 11
    VARIANT_ENTRY = 12
    CART = 13
    CART_ITEM = 14
    ORDER = 15
    ORDER_ITEM = 16
    PAYMENT = 17
    WEBHOOK_LOG = 18
    WEBHOOK_EVENT = 19
    INVOICE = 20
    INVOICE_LINE = 21
    INVOICE_VERSION = 22
    INVOICE_COUNTER = 23
    NOTIFICATION = 24
    DELIVERY_LOG = 25
    PREFERENCE = 26
    # audit_logs rows: AUDIT + the audited row's tag.
    AUDIT = 1000


def array(values: tuple[str, ...] | list[str]) -> str:
    """A text[] literal of plain words (no quotes or commas in them)."""
    return "ARRAY[" + ", ".join(f"'{value}'" for value in values) + "]"


@dataclass(frozen=True)
class Clock:
    """The window the shop's history spans: MONTHS months up to the moment of loading."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def literal(self, moment: datetime) -> str:
        return f"'{moment.isoformat()}'::timestamptz"


def functions_sql(clock: Clock) -> list[str]:
    """CREATE statements of the pg_temp helper functions."""
    start, span = clock.literal(clock.start), clock.seconds
    cities = array([c[0] for c in CITIES]), array([c[1] for c in CITIES])
    pins = array([c[2] for c in CITIES])
    city = f"1 + (n * 11 + variant * 5) % {len(CITIES)}"  # of customer n's address
    # Each body is one expression, and no function claims to be more immutable than its body
    # (timestamptz arithmetic and to_char are STABLE): so the planner inlines every call. A call
    # it cannot inline runs the body as a query of its own, which costs more than the rest of a
    # row's work (the load makes tens of millions of calls).
    return [
        # A version-7 UUID for a row written at `at`: the millisecond prefix of `at` (so ids sort
        # like the history), then a dedicated counter (RFC 9562, method 1): the table's tag and
        # the row's number. Unique per (tag, n); deterministic, unlike uuid_generate_v7(). Its
        # 16 bytes are two bigints: 48 bits of milliseconds, the version (7) and the 12-bit tag;
        # the variant (0b10, then two zero bits) and the 60-bit n. Made of the bigints' bytes,
        # it costs a third less than made of hex text.
        """CREATE OR REPLACE FUNCTION pg_temp.vol_uuid(at timestamptz, tag int, n bigint)
        RETURNS uuid LANGUAGE sql STABLE AS $$
            SELECT encode(int8send((extract(epoch FROM at) * 1000)::bigint << 16 | x'7000'::int
                                   | tag)
                          || int8send(x'8000000000000000'::bigint | n), 'hex')::uuid
        $$""",
        # A version-7 UUID for a row written at `at` about the row `of`: the counter bits are
        # those of `of` (its last 8 bytes), unique already (a row number would cost a window
        # over wide rows).
        """CREATE OR REPLACE FUNCTION pg_temp.vol_uuid_of(at timestamptz, tag int, of uuid)
        RETURNS uuid LANGUAGE sql STABLE AS $$
            SELECT encode(int8send((extract(epoch FROM at) * 1000)::bigint << 16 | x'7000'::int
                                   | tag)
                          || substr(uuid_send(of), 9), 'hex')::uuid
        $$""",
        # The moment at quantile x (0..1) of a history that grows GROWTH-fold over the window:
        # density ~ GROWTH^t, inverted. Strictly increasing in x.
        f"""CREATE OR REPLACE FUNCTION pg_temp.vol_time(x float8)
        RETURNS timestamptz LANGUAGE sql STABLE AS $$
            SELECT {start}
                   + make_interval(secs => {span} * ln(1 + x * ({GROWTH} - 1)) / ln({GROWTH}))
        $$""",
        # The share (0..1) of the window's time that passed by `at`. In float8: extract() is
        # numeric, and numeric power() (vol_reached) is dear.
        f"""CREATE OR REPLACE FUNCTION pg_temp.vol_elapsed(at timestamptz)
        RETURNS float8 LANGUAGE sql STABLE AS $$
            SELECT least(1, greatest(0, extract(epoch FROM at - {start})::float8 / {span}))
        $$""",
        # The share (0..1) of the history that happened by `at`: vol_time's inverse.
        f"""CREATE OR REPLACE FUNCTION pg_temp.vol_reached(at timestamptz)
        RETURNS float8 LANGUAGE sql STABLE AS $$
            SELECT (power({GROWTH}, pg_temp.vol_elapsed(at)) - 1) / ({GROWTH} - 1)
        $$""",
        # The moment when a share x (0..1) of the window's time has passed: vol_elapsed's inverse.
        f"""CREATE OR REPLACE FUNCTION pg_temp.vol_at_elapsed(x float8)
        RETURNS timestamptz LANGUAGE sql STABLE AS $$
            SELECT {start} + make_interval(secs => {span} * x)
        $$""",
        # `at` plus a share (0..1) of the time between `at` and `upto`, never past `upto`.
        """CREATE OR REPLACE FUNCTION pg_temp.vol_between(at timestamptz, upto timestamptz,
                                                          share float8)
        RETURNS timestamptz LANGUAGE sql STABLE AS $$
            SELECT at + (greatest(upto, at) - at) * share
        $$""",
        f"""CREATE OR REPLACE FUNCTION pg_temp.vol_first_name(n bigint)
        RETURNS text LANGUAGE sql IMMUTABLE AS $$
            SELECT ({array(FIRST_NAMES)})[1 + n % {len(FIRST_NAMES)}]
        $$""",
        f"""CREATE OR REPLACE FUNCTION pg_temp.vol_last_name(n bigint)
        RETURNS text LANGUAGE sql IMMUTABLE AS $$
            SELECT ({array(LAST_NAMES)})[1 + (n / {len(FIRST_NAMES)}) % {len(LAST_NAMES)}]
        $$""",
        # The address of customer n (variant 0: the default one, 1: a second one), as the
        # user_addresses row holds it and an order's snapshot keeps it (orders.services).
        f"""CREATE OR REPLACE FUNCTION pg_temp.vol_address(n bigint, variant int)
        RETURNS jsonb LANGUAGE sql STABLE AS $$
            SELECT jsonb_build_object(
                'full_name', pg_temp.vol_first_name(n) || ' ' || pg_temp.vol_last_name(n),
                'phone', '+91' || (9000000000 + n),
                'line1', (1 + (n * 7 + variant * 13) % 240) || ', '
                         || (string_to_array('{STREETS}', '|'))[1 + (n + variant) % 7],
                'line2', CASE WHEN variant = 1 THEN 'Floor ' || (1 + n % 9) ELSE '' END,
                'landmark', '',
                'city', ({cities[0]})[{city}], 'state', ({cities[1]})[{city}],
                'postal_code', ({pins})[{city}] || lpad(((n * 37 + variant) % 1000)::text, 3, '0'),
                'country', 'IN')
        $$""",
        # Python's isoformat() of a UTC datetime (the invoice snapshot's issued_at): six
        # digits of microseconds, or none when there are none.
        """CREATE OR REPLACE FUNCTION pg_temp.vol_isoformat(at timestamptz)
        RETURNS text LANGUAGE sql STABLE AS $$
            SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                   || CASE WHEN extract(microseconds FROM at)::int % 1000000 = 0 THEN ''
                           ELSE to_char(at AT TIME ZONE 'UTC', '.US') END || '+00:00'
        $$""",
        # What private.next_order_number() makes of a value of order_number_seq.
        """CREATE OR REPLACE FUNCTION pg_temp.vol_order_number(n bigint)
        RETURNS text LANGUAGE sql IMMUTABLE AS $$
            SELECT 'SO-' || CASE WHEN n < 100000000 THEN lpad(n::text, 8, '0') ELSE n::text END
        $$""",
        # orders.invoices.financial_year_of: April to March, in India's time.
        """CREATE OR REPLACE FUNCTION pg_temp.vol_financial_year(at timestamptz)
        RETURNS text LANGUAGE sql STABLE AS $$
            SELECT to_char((at AT TIME ZONE 'Asia/Kolkata') - interval '3 months', 'YYYY') || '-'
                   || to_char((at AT TIME ZONE 'Asia/Kolkata') + interval '9 months', 'YY')
        $$""",
    ]


def audit_rows_sql(
    *,
    table: str,
    columns: list[tuple[str, bool]],
    source: str,
    actor: str,
    tag: int,
    moment: str = "t.created_at",
) -> str:
    """INSERT the audit_logs rows the ``audit_trail`` trigger writes for INSERTs of ``source``.

    ``private.audit_row_change()`` records an INSERT as {column: [null, new]} for every column
    whose new value is not NULL, leaving out updated_at and updated_by_id, with the row's key as
    text and the actor as user_id. ``source`` selects the inserted rows as ``t`` (``FROM
    public.orders t JOIN ...``); ``columns`` are the recorded (name, NOT NULL) columns,
    generated ones included, as the AFTER trigger sees them. The row is dated when ``t`` was
    written (``moment``): when the trigger would have fired had the shop lived its history.

    Written as the JSON text of the object and parsed once: concat_ws skips the members of NULL
    columns, and to_json renders each value as to_jsonb would. Built as jsonb instead
    (jsonb_build_object of jsonb_build_array(NULL, to_jsonb(value)), NULLs stripped), every
    value is copied from jsonb to jsonb twice more: 1.5 to 6 times as long (orders' rows, with
    two addresses each: 36 s instead of 10 s at scale 1).
    """

    def member(column: str, not_null: bool) -> str:
        text = f"'\"{column}\":[null,' || to_json(t.{column}) || ']'"
        return text if not_null else f"CASE WHEN t.{column} IS NOT NULL THEN {text} END"

    members = [member(*c) for c in columns if c[0] not in AUDIT_NOISE]
    # concat_ws takes at most 100 arguments; a chunk of NULLs only is '', which adds nothing.
    chunks = [
        f"nullif(concat_ws(',', {', '.join(members[i : i + 90])}), '')"
        for i in range(0, len(members), 90)
    ]
    changes = f"('{{' || concat_ws(',', {', '.join(chunks)}) || '}}')::jsonb"
    return f"""
    INSERT INTO public.audit_logs (id, action, table_name, row_id, changes, user_id,
                                   timestamp, created_at, updated_at)
    SELECT pg_temp.vol_uuid_of({moment}, {tag}, t.id), 'insert', '{table}',
           t.id::text, {changes}, {actor}, {moment}, {moment}, {moment}
    {source}"""


# Columns private.audit_row_change() leaves out: they follow every change.
AUDIT_NOISE = ("updated_at", "updated_by_id")
