"""The WebSocket progress channel: message builders, connection manager, route, relay."""
