"""Gateway tests: our fake Telegram Bot API server and its own tests."""
