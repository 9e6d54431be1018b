"""A factory-boy factory for every model: valid by default, realistic, building what it needs.

Import from here: ``from tests.factories import OrderFactory``.
"""

from tests.factories.accounts import *  # noqa: F403
