"""Feeds: fetch.py (HTTP and file:// with limits and conditional GET), parse.py (→ Article)."""
