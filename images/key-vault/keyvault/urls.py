"""key_vault's routes: a health check and one store endpoint. There is no read, update or delete
route: officers read the table with the database's own tools, and nothing is ever removed."""
from django.urls import path

from vault import views

urlpatterns = [
    path("health", views.health),
    path("v1/keys", views.store_key),
]
