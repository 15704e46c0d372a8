"""Feeds, the first step of the flow: fetch.py (HTTP and file:// with limits and conditional
GET), parse.py (document → Article; dates.py reads the dates), worker.py (parse processes for
big cycles), poll.py (one poll cycle over due feeds, the polling loop), writer.py (the cycle's
batched store), timeline.py (where a cycle's time goes)."""
