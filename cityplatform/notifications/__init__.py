"""Messages to residents about their cases, put in the outbox (case_updates.py, texts.py)."""
