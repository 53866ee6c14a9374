"""The call layers between a client's methods and its transport, outermost first:
deadline (and per-call argument checks) -> retry and error mapping -> auth (server, then
proxy credentials) -> default metadata. Each module holds a layer's sync form and, where
waiting is involved, its async form, sharing the policy logic."""
