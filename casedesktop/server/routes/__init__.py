"""The HTTP layer: routers, request dependencies and middleware. Each endpoint parses the request,
calls one service and answers, so every rule lives once, below, in services/."""
