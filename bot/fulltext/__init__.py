"""Full text for thin feed items: the linked page's main text, else its attachment's.

``robots.py`` (robots.txt per host, cached), ``page.py`` (pure: HTML → main text and
attachment links), ``attachments.py`` (attachments parsed in worker processes under a time
and memory limit), ``enrich.py`` (the poll cycle's hook: which items are thin, the fetches
within one deadline, the enriched Article). Parsers of the attachment formats are pure and
live in :mod:`bot.documents.attachments`.
"""
