"""WSGI entry point (gunicorn keyvault.wsgi)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keyvault.settings")
application = get_wsgi_application()
