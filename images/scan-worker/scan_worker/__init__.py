"""matrix-platform's scan worker: an HTTP front of clamd's INSTREAM protocol.

Synapse's media module (images/synapse/modules/antivirus) streams every upload here with a
bearer token; the worker streams it on to clamd and answers with the verdict.
"""
