"""Where releases come from: the catalog of government bodies and their feeds, finding a
site's feed, and what is known about each source."""
