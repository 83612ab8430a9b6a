"""The platform's HTTP API: internal /api/v1 for the bot and staff, Open311 GeoReport v2."""
