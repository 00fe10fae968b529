"""Keys and what they sign: pickup tokens, PINs, document seals, audit checkpoints.

`store` is the trust store (issuer keys, revocations; read per use, fails
closed) and `watch` the part that reloads it; `cose` is the strict COSE_Sign1
codec the token and checkpoints share; `token`, `pin`, `seal` and `checkpoint`
are the signed things of PROTOCOLS.md.
"""
