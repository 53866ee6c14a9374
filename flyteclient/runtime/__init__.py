"""Hand-written runtime of flyteclient: channels, interceptors, exceptions, pagers,
configuration and authentication. Nothing here is written by codegen."""
