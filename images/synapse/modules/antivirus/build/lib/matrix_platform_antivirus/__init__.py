"""Synapse module: every media file Synapse is about to store is scanned first.

Synapse calls `check_media_file_for_spam` for local uploads, remote media it downloads (over
federation or the legacy media API), every thumbnail it generates and URL-preview files, after
writing the file to its local store and before handing it to any storage provider or recording
it in the database (synapse/media/media_storage.py, `store_into_file`). The module streams the
file to matrix-platform's scan workers (images/scan-worker), which stream it to clamd.

Refusals raise a SynapseError rather than returning a code: Synapse 1.163 answers a returned code
on upload with a bare 400 "Bad content" (upload_resource.py), while a raised error reaches the
client as it is, so the user learns whether the file was infected or the scanner was down.
"""
from .module import AntivirusScanner, ScannerConfig

__all__ = ["AntivirusScanner", "ScannerConfig"]
