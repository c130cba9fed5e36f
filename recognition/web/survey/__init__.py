"""The hosted survey: signed entry links, respondent pages, exits to the panel provider, quality rules.

``routes`` holds the aiohttp handlers; ``links``, ``quality``, ``source`` and ``forms`` are pure and importable
without aiohttp (processing uses ``source``).
"""
