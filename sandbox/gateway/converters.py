"""URL converters of /v1."""

from django.urls.converters import PathConverter


class AnyTextConverter(PathConverter):
    """Like ``path`` (slashes included: ``ft:`` model ids have none, but callers send
    anything), and newlines too: ``path``'s ``.+`` stops at one, so ``/v1/models/a%0Ab``
    would match no /v1 pattern and get Django's HTML 404 instead of OpenAI's error."""

    regex = r"[\s\S]+"
