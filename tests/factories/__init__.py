"""A factory-boy factory for every model: valid by default, realistic, building what it needs.

Import from here: ``from tests.factories import OrderFactory``.
"""

from tests.factories.accounts import *  # noqa: F403
from tests.factories.catalog import *  # noqa: F403
from tests.factories.content import *  # noqa: F403
from tests.factories.notifications import *  # noqa: F403
from tests.factories.orders import *  # noqa: F403
from tests.factories.shop import *  # noqa: F403
