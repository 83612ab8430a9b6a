"""Custom actions for the Rasa action server (`rasa run actions`), Python 3.10 venv."""
