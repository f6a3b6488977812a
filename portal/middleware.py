"""The site's own middleware."""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from csp.middleware import CSPMiddleware


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware (the policy is ``CONTENT_SECURITY_POLICY`` in settings),
    without the thread hops under ASGI.

    Django's ``MiddlewareMixin`` runs ``process_request`` and ``process_response`` of an
    async request (all of ``/v1``) through ``sync_to_async``, two crossings to a thread and
    back per request. This middleware only builds a header from settings and a random
    nonce, no I/O, so it runs on the event loop.
    """

    async def __acall__(self, request):
        self.process_request(request)
        response = await self.get_response(request)
        return self.process_response(request, response)


class NoIOMiddleware:
    """A middleware that reads the request and touches the response without I/O, so it
    runs on the event loop under ASGI (no ``sync_to_async`` hop, unlike ``MiddlewareMixin``)
    and plainly under WSGI. Subclasses implement ``before`` and/or ``after``."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        self.before(request)
        return self.after(request, self.get_response(request))

    async def __acall__(self, request):
        self.before(request)
        return self.after(request, await self.get_response(request))

    def before(self, request) -> None:
        """Called before the view."""

    def after(self, request, response):
        """Called with the view's response; returns the response to send."""
        return response
