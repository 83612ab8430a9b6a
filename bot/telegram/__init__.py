"""The Telegram adapter of the gateway (python-telegram-bot 22); entry points in app.py."""
