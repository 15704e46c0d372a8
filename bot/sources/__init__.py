"""Where releases come from: the catalog of government bodies and their feeds, finding a
site's feed, what is known about each source, and the sources that are not RSS/Atom feeds
(the 정책브리핑 OpenAPI, openapi.py)."""
