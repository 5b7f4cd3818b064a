"""How ``privacy/detectors/weights/plates.onnx`` is made: synthetic plates and distractors on
real photographs (``synth``), the network (``model``) and its training run (``train``).

Needs torch and Pillow (both in the main environment); nothing here runs in production.
See ``README.md`` next to this file for the recipe."""
