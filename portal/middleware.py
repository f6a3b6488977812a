"""The site's own middleware."""

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
