"""Spoken announcements (语音播报) and alarm sounds on a wall.

- ``settings``: the layout file's ``[speech]`` table (pure Python).
- ``announcer``: the rules (priorities, bursts summarised, rate limit, quiet hours), pure
  Python with an injected clock, tested without audio.
- ``wording``: what is said for a new case, a 1-3-15 miss, an SOS, in the UI language.
- ``engine``: espeak-ng through ctypes, rendering to PCM (``SpeechEngine`` interface).
- ``player``: QtMultimedia playback, and whether this PC has an audio output at all.
- ``wall``: the wall's announcer wired to its feed.
"""
