"""Domain rules of the command platform, in pure Python.

The case lifecycle (:mod:`.lifecycle`), the 1-3-15 clock (:mod:`.sla`), the "AI patrol"
supervision alerts (:mod:`.supervision`) and the geometry they need (:mod:`.geo`).
Nothing here does I/O, reads a clock, or imports Qt or SQLAlchemy: time is passed in as
float epoch seconds, so every rule is tested alone and replayed exactly.
"""
