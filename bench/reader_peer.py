"""bench-poll's peer, in its own process: lemon24's ``reader`` (SQLite) updating the same feeds.

``reader_peer.py DB URLS_FILE`` adds every URL of URLS_FILE (one per line) that the database
does not hold yet, then ``update_feeds(workers=16, scheduled=False)``: all feeds now, 16 at a
time, with the ETag / Last-Modified it stored on the previous run. Prints one JSON line:
feeds, entries in the database, feeds whose last update failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reader import make_reader


def main() -> int:
    db, urls_file = sys.argv[1], Path(sys.argv[2])
    urls = urls_file.read_text(encoding="utf-8").split()
    reader = make_reader(db)
    for url in urls:
        reader.add_feed(url, exist_ok=True)
    reader.update_feeds(workers=16, scheduled=False)
    counts = reader.get_feed_counts()
    entries = reader.get_entry_counts()
    print(
        json.dumps(
            {"feeds": counts.total, "broken": counts.broken, "entries": entries.total},
        )
    )
    reader.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
