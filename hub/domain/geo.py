"""WGS-84 geometry at district scale, as the domain rules use it: distances in metres,
patrol zones as rings of ``(lon, lat)`` pairs (GeoJSON order, as the store keeps them).

One implementation for hub and clients: this module re-exports backend_client/geo.py,
the shared sans-I/O core, so the AI patrol and the desk measure alike.
"""

from __future__ import annotations

from backend_client.geo import EARTH_RADIUS_M, LonLat, distance_m, distance_to_edge_m, inside

__all__ = ["EARTH_RADIUS_M", "LonLat", "distance_m", "distance_to_edge_m", "inside"]
