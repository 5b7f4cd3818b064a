"""HTML and media views of the analytics app, split by domain (media, live wall, triage, zones)."""
