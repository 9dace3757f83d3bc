"""Selling over HTTP ("H2H", host to host): buyer servers order airtime from us and get reports back;
and buying from H2H suppliers.

- `sign`: the OtomaX `sign` in every encoding seen in the wild, and the JSON API's HMAC-SHA256.
- `members`: which resellers may order over HTTP, from where, with which secrets (sealed), and where
  their reports go; the server's own settings (on/off, address).
- `texts`: the reply and report sentences buyers' software parses (TrxID, product, destination,
  status, in that order).
- `desk`: one request → the same checks and the same placement as an SMS order (`orders.place_topup`),
  refID first; no HTTP in it.
- `callbacks`: reports queued in the database with each change of an order's result, sent and retried.
- `server`: the aiohttp application on the engine's loop (`/trx`, `/api`, `/api/v1/…`, `/h2h/callback/…`).

Buying (this shop ordering from H2H suppliers): `dialects` (requests and answers per dialect), `buying`
(the HTTP supplier kinds, their callbacks and status checks), `supplier_setup` (their settings).

docs/h2h.md describes it for the shop owner and for buyers.
"""
