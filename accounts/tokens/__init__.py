"""API tokens for integrations: the model, its services, the DRF authentication, the pages.

A token is a long random key shown once; the database keeps its SHA-256 hash and a short
prefix to recognise it by. It acts as its owner (the gate decides what a request may reach),
never beyond: a read-only token may not make unsafe requests, an expired or revoked one or one
whose owner is deactivated opens nothing. Tokens authenticate REST API calls only; the console
and its websockets take the session of a person who logged in.
"""
