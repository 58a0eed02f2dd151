"""The store endpoint and the health check."""
import hashlib

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from .models import RecoveryKey
from .validate import BadRequest, parse_store_request


@require_GET
def health(request):
    # Ready only while the database answers (readiness probe).
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_POST
def store_key(request):
    try:
        user_id, payload = parse_store_request(request.body)
    except BadRequest as e:
        return JsonResponse({"error": str(e)}, status=400)
    digest = hashlib.sha256(payload.encode()).hexdigest()
    # get_or_create retries the read when a concurrent identical store wins the unique constraint.
    _, created = RecoveryKey.objects.get_or_create(user_id=user_id, sha256=digest, defaults={"payload": payload})
    return JsonResponse({"sha256": digest, "created": created}, status=201 if created else 200)
