"""The back-office side of the station (PROTOCOLS.md §7): documents in, events out.

- `document`: the §7 Document, strict parsing, issuer signatures.
- `client`: the HTTP calls, bounded in time, with backoff.
- `refused_item`: an item not taken, with its `Refusal`.
- `intake`: verify-then-store a page of documents and the cursor, in one transaction.
- `outbox`: the durable event outbox and its in-order sender.
"""
