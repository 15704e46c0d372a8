"""Sources that are not RSS/Atom feeds: the 정책브리핑 OpenAPI (openapi.py)."""
