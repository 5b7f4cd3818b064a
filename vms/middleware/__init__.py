"""Site-wide middleware of the log-in: session expiry (:mod:`.sessions`), multi-factor
enforcement (:mod:`.mfa`) and the same two rules for websockets (:mod:`.sockets`).

Part of the floor (``vms``): it imports no app. Who must use a second factor is a named
permission of the gate (``Perm.REQUIRE_MFA``), held by roles defined in ``accounts.roles``.
"""
