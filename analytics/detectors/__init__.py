"""Analytics' own detectors: people (``people``) and motion (``motion``).

They stand on privacy's detector interface (``privacy.detectors.base``: ``Detection``,
``Detector``, ``clip_box``); the face and plate detectors belong to the anonymiser, in
``privacy.detectors``.
"""
