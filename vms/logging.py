"""Logging that never writes a secret: :class:`RedactSecretsFilter` on every handler.

Installed on the console handler by ``LOGGING`` in ``vms/settings.py`` and on Celery's own
handlers (which replace Django's in workers) by ``vms/celery.py``. A filter on a handler sees
every record that handler writes, whichever logger it came from, including the message's
arguments, the formatted exception and the stack.
"""

from __future__ import annotations

import logging

from vms.redaction import redact_secrets

_formatter = logging.Formatter()


class RedactSecretsFilter(logging.Filter):
    """Replaces credentials and secret query values in a record (:func:`redact_secrets`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatted here, once, so the handler's formatter reuses the redacted text.
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_secrets(record.stack_info)
        return True


def install_redaction(logger: logging.Logger) -> None:
    """Add :class:`RedactSecretsFilter` to each of ``logger``'s handlers (once)."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
            handler.addFilter(RedactSecretsFilter())
