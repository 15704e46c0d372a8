"""sokbo (속보): follow Korean policy news and post short Korean digests to chats."""

__version__ = "0.1.0"
