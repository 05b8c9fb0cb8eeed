"""Client side of the Watchfloor feed: protocol core, asyncio transport, local state.

Nothing here imports Qt widgets; the Qt adapter (``backend_client.qt``) uses QtCore only.
"""
