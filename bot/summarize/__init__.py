"""Summaries: LLM digests with grounded contacts, and the offline extractive fallback."""
