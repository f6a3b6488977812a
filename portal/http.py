"""Response helpers shared by the site's views."""

from functools import wraps

from django.utils.cache import add_never_cache_headers


def shows_secret(view):
    """Mark a view whose response shows a secret (a new API key, a webhook signing secret)
    or whose URL carries one (allauth's email-confirmation and password-reset keys).

    Nothing may keep such a response: no browser or proxy cache (``Cache-Control: no-store``
    among Django's never-cache directives, and ``Pragma: no-cache`` for HTTP/1.0 caches), so
    Back, a shared machine's disk cache or a proxy cannot show the secret again; and no
    ``Referer`` carries its URL to another site (``Referrer-Policy: same-origin``, for this
    response whatever the site-wide policy). Not ``no-referrer``: browsers then send
    ``Origin: null`` with the page's own forms, which Django's CSRF check refuses.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response["Pragma"] = "no-cache"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped
