"""Reads of the privacy app, split by domain (``recording``)."""
