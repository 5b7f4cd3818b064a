"""Writes of the privacy app, split by domain: static privacy masks (``masks``), the
anonymisation of media files (``media``), keys, holds, retention and recorded segments
(``recording``).

Only the mask services are re-exported: ``media`` loads OpenCV and the detectors, which the
web process has no use for; import it as ``privacy.services.media``.
"""

from privacy.services.masks import privacy_mask_delete, privacy_mask_save  # noqa: F401
