"""The case-management platform: cases, residents, media and units, over HTTP (FastAPI)."""
