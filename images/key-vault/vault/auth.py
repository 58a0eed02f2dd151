"""Every request but the health check must carry `Authorization: Bearer <service token>`."""
import hmac

from django.conf import settings
from django.http import JsonResponse

# The kubelet's probes carry no token; the health answer says nothing about the data.
OPEN_PATHS = frozenset({"/health"})


class ServiceTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.expected = f"Bearer {settings.SERVICE_TOKEN}".encode()

    def __call__(self, request):
        if request.path not in OPEN_PATHS:
            given = request.headers.get("Authorization", "").encode()
            # Constant-time comparison: the token is not guessable byte by byte.
            if not hmac.compare_digest(given, self.expected):
                return JsonResponse({"error": "missing or wrong service token"}, status=401)
        return self.get_response(request)
