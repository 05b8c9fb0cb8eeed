"""Reusable Qt widgets of Watchfloor. Widgets observe models; they never touch the network."""
