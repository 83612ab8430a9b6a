"""The local web chat: a small page (vanilla HTML/CSS/JS, no build step) talking to the bot through
the gateway's relay core, with buttons, photo upload and a location picker on the city map.

`create_http_app` builds the gateway's HTTP app (`/health` always, the chat when enabled);
`web_channel` gives the outbox delivery the chat's channel.
"""

from bot.webchat.app import create_http_app, web_channel

__all__ = ["create_http_app", "web_channel"]
