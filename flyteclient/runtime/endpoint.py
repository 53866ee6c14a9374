"""Endpoint spelling shared by the client and the config (kept dependency-free)."""

DNS_SCHEME = "dns:///"


def strip_dns_scheme(endpoint: str) -> str:
    """``dns:///host:port`` (flytectl's spelling) -> ``host:port``."""
    return endpoint[len(DNS_SCHEME) :] if endpoint.startswith(DNS_SCHEME) else endpoint
