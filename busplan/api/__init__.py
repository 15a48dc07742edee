"""The HTTP and WebSocket API: `create_app(settings)`."""

from busplan.api.app import create_app

__all__ = ["create_app"]
