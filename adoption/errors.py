"""The import's refusal: the shop's rule-coded ValidationError, like a service's."""

from django.core.exceptions import ValidationError


class ImportRefused(ValidationError):
    """The import cannot start or cannot go on; ``code`` names why, the message says what."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}", code=code)
        self.detail = message
