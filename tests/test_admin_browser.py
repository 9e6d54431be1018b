"""The admin in a real browser: headless Chromium logs in through the login form and reads pages.

The Django test client proves what the server answers; this proves what a person sees: the login
form accepts a role-made super admin and turns a customer away, and the order, product and audit
log pages render their data (money as ``INR 1,505.71``, the variants inline, no Save button on
evidence). Each page is screenshotted into the artifact directory (``test-artifacts/``, or
``$SHOPDB_TEST_ARTIFACTS``) for a person to look at after CI.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them). Without them the
tests skip, unless ``SHOPDB_REQUIRE_BROWSER=1`` (CI), where a missing browser is a failure.
"""

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from shop.audit import audit_actor, row_history
from shop.models import AuditAction
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory, ProductVariantFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-dev-shm-usage",  # containers have a small /dev/shm
    "--window-size=1400,1000",
)
MAX_SHOT = 5000  # pixels: a page taller than this is cut off in its screenshot
PAGE_TIMEOUT = 15  # seconds; a cold live server renders its first admin page slowly
PASSWORD = "a long browser test password"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REFUSED_LOGIN = (
    "Please enter the correct email and password for a staff account. "
    "Note that both fields may be case-sensitive."
)


def artifact_dir() -> Path:
    """Where screenshots go: ``$SHOPDB_TEST_ARTIFACTS``, else ``test-artifacts/`` (ignored)."""
    path = Path(os.environ.get("SHOPDB_TEST_ARTIFACTS") or settings.BASE_DIR / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def chromium() -> Iterator[WebDriver]:
    """One headless Chromium for the module; each test starts from no cookies (``browser``)."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        reason = (
            f"{', '.join(missing)} missing: "
            "apt-get install chromium chromium-driver to run the admin browser tests"
        )
        if os.environ.get("SHOPDB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SHOPDB_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    # An explicit driver path: Selenium Manager never looks for (or downloads) a driver.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium: WebDriver, live_server) -> WebDriver:
    """The module's Chromium, logged out. ``live_server`` serves the admin from this test's
    (transactional) database: the server's thread only sees committed rows."""
    chromium.get(live_server.url + reverse("admin:login"))
    chromium.delete_all_cookies()
    return chromium


def log_in(browser: WebDriver, live_server, *, email: str) -> None:
    """Fill in and submit the admin's login form, then wait for the next page."""
    browser.get(live_server.url + reverse("admin:login") + "?next=" + reverse("admin:index"))
    browser.find_element(By.NAME, "username").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    form = browser.find_element(By.ID, "login-form")
    form.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, PAGE_TIMEOUT).until(expected_conditions.staleness_of(form))


def visit(browser: WebDriver, url: str, *, screenshot: str) -> str:
    """Open ``url``, save a screenshot as ``<screenshot>.png``; the page's visible text."""
    browser.get(url)
    WebDriverWait(browser, PAGE_TIMEOUT).until(
        expected_conditions.presence_of_element_located((By.ID, "footer"))
    )
    save_screenshot(browser, screenshot)
    return browser.find_element(By.TAG_NAME, "body").text


def save_screenshot(browser: WebDriver, name: str) -> Path:
    """``<artifacts>/<name>.png`` of the whole page (inlines are below the fold), checked."""
    path = artifact_dir() / f"{name}.png"
    path.unlink(missing_ok=True)  # a screenshot left from an earlier run proves nothing
    window = browser.get_window_size()
    # The window's height includes the browser's own bars: grow it by what the page hides.
    hidden = browser.execute_script(
        "return document.documentElement.scrollHeight - window.innerHeight"
    )
    browser.set_window_size(window["width"], min(window["height"] + max(hidden, 0), MAX_SHOT))
    try:
        assert browser.save_screenshot(str(path)), path
    finally:
        browser.set_window_size(window["width"], window["height"])
    content = path.read_bytes()
    assert content.startswith(PNG_SIGNATURE) and len(content) > 1000, (path, len(content))
    return path


def admin_url(live_server, model: str, view: str, *args) -> str:
    """``admin_url(live_server, "orders_order", "change", pk)``: that page on the live server."""
    return live_server.url + reverse(f"admin:{model}_{view}", args=args)


@pytest.fixture
def super_admin(staff_with_role):
    """A user whose only privilege is the super_admin role: no is_staff, no is_superuser."""
    return staff_with_role("super_admin", password=PASSWORD)


@pytest.fixture
def admin_browser(browser: WebDriver, live_server, super_admin) -> WebDriver:
    log_in(browser, live_server, email=super_admin.email)
    assert browser.current_url == live_server.url + reverse("admin:index"), login_errors(browser)
    return browser


def login_errors(browser: WebDriver) -> list[str]:
    """What the login page says went wrong (nothing on any other page)."""
    return [note.text for note in browser.find_elements(By.CSS_SELECTOR, ".errornote")]


@pytest.fixture
def kurta():
    """A product with two size variants."""
    product = ProductFactory(
        name="Handloom Khadi Kurta", sku="KURTA01", selling_price=Decimal("1299.00")
    )
    for size in ("M", "L"):
        ProductVariantFactory(product=product, option_value=size, sku=f"KURTA01-{size}")
    return product


@pytest.fixture
def order(super_admin, kurta):
    """A paid-looking order of two kurtas, written as the super admin (the audit trail's actor).

    Grand total: 1,234.50 + 49.00 shipping + 222.21 GST = INR 1,505.71.
    """
    with audit_actor(super_admin):
        order = OrderFactory(subtotal=Decimal("1234.50"))
        OrderItemFactory(
            order=order,
            product=kurta,
            variant=kurta.variants.get(sku="KURTA01-M"),
            quantity=2,
            unit_price=Decimal("617.25"),
        )
    order.refresh_from_db()  # order_number comes from the database's sequence
    assert order.grand_total == Decimal("1505.71")
    return order


def test_order_pages_show_the_number_and_the_money(admin_browser, live_server, order):
    visit(
        admin_browser,
        admin_url(live_server, "orders_order", "changelist"),
        screenshot="admin-order-changelist",
    )
    row = result_row(admin_browser, field="order_number", value=order.order_number)
    assert (row["email"], row["grand_total"]) == (order.email, "INR 1,505.71")

    shown = visit(
        admin_browser,
        admin_url(live_server, "orders_order", "change", order.pk),
        screenshot="admin-order-change",
    )
    assert order.order_number in shown
    # Django shows a read-only decimal bare; the money columns (list, inline) add the currency.
    assert field_text(admin_browser, "grand_total") == "INR 1,505.71"
    # The order item inline: the snapshot of the kurta, priced with its currency.
    line = admin_browser.find_element(By.CSS_SELECTOR, "#items-group tbody tr.has_original")
    assert line.find_element(By.CSS_SELECTOR, "td.field-product_name").text == (
        "Handloom Khadi Kurta"
    )
    assert line.find_element(By.CSS_SELECTOR, "td.field-product_sku").text == "KURTA01-M"
    assert line.find_element(By.CSS_SELECTOR, "td.field-unit_price").text == "INR 617.25"
    assert line.find_element(By.CSS_SELECTOR, "td.field-line_total").text == "INR 1,456.71"


def result_row(browser: WebDriver, *, field: str, value: str) -> dict[str, str]:
    """The changelist row whose ``field`` column shows ``value``: each column's text by field."""
    for row in browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr"):
        cells = {
            name.removeprefix("field-"): cell.text
            for cell in row.find_elements(By.CSS_SELECTOR, "th, td")
            for name in cell.get_attribute("class").split()
            if name.startswith("field-")
        }
        if cells.get(field) == value:
            return cells
    raise AssertionError(f"no row of {browser.current_url} shows {field} {value!r}")


def field_text(browser: WebDriver, field: str) -> str:
    """The shown value of a read-only field of a change form."""
    return browser.find_element(By.CSS_SELECTOR, f"div.field-{field} div.readonly").text


def test_product_pages_show_the_product_and_its_variants(admin_browser, live_server, kurta):
    visit(
        admin_browser,
        admin_url(live_server, "catalog_product", "changelist"),
        screenshot="admin-product-changelist",
    )
    row = result_row(admin_browser, field="name", value="Handloom Khadi Kurta")
    assert (row["sku"], row["selling_price"]) == ("KURTA01", "INR 1,299.00")

    shown = visit(
        admin_browser,
        admin_url(live_server, "catalog_product", "change", kurta.pk),
        screenshot="admin-product-change",
    )
    assert "Handloom Khadi Kurta" in shown
    assert variant_skus_shown(admin_browser) == {"KURTA01-M", "KURTA01-L"}


def variant_skus_shown(browser: WebDriver) -> set[str]:
    """The SKUs in the variants inline's saved rows (editable there: the visible inputs)."""
    inputs = browser.find_elements(
        By.CSS_SELECTOR, "#variants-group tr.has_original td.field-sku input"
    )
    return {field.get_attribute("value") for field in inputs if field.is_displayed()}


def test_audit_log_pages_show_the_change_and_offer_no_save(
    admin_browser, live_server, order, super_admin
):
    # The trigger's row for the order's INSERT, made by the order fixture as the super admin.
    entry = row_history(table="orders", row_id=str(order.pk)).get(action=AuditAction.INSERT)

    visit(
        admin_browser,
        admin_url(live_server, "shop_auditlog", "changelist") + "?table_name=orders",
        screenshot="admin-auditlog-changelist",
    )
    row = result_row(admin_browser, field="row_id", value=str(order.pk))
    assert (row["action"], row["table_name"], row["user"]) == (
        "Insert",
        "orders",
        super_admin.email,
    )

    visit(
        admin_browser,
        admin_url(live_server, "shop_auditlog", "change", entry.pk),
        screenshot="admin-auditlog-change",
    )
    shown = {
        field: field_text(admin_browser, field) for field in ("action", "table_name", "row_id")
    }
    assert shown == {"action": "Insert", "table_name": "orders", "row_id": str(order.pk)}
    # Evidence is read-only: no Save button of any kind ("Save", "Save and continue editing", ...).
    assert save_buttons(admin_browser) == []


def save_buttons(browser: WebDriver) -> list[str]:
    buttons = browser.find_elements(By.CSS_SELECTOR, "input[type=submit], button")
    return [
        label
        for label in (button.get_attribute("value") or button.text for button in buttons)
        if "Save" in label
    ]


def test_a_customer_is_turned_away_at_the_login_form(browser, live_server, staff_with_role):
    customer = staff_with_role("customer", password=PASSWORD)

    log_in(browser, live_server, email=customer.email)

    save_screenshot(browser, "admin-login-refused")
    assert browser.current_url.startswith(live_server.url + reverse("admin:login"))
    assert login_errors(browser) == [REFUSED_LOGIN]
    assert browser.find_elements(By.ID, "user-tools") == []
