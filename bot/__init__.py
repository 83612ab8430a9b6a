"""Gateway: relays residents' messages between channels and Rasa."""
