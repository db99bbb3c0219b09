"""The client's address behind reverse proxies, for counting failed log-ins (django-axes).

Each proxy appends the address it received the request from to X-Forwarded-For, so with
PROXY_COUNT proxies the last PROXY_COUNT entries are theirs and the first of those is the client.
Everything further left came from the client and may be forged.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip_from_headers(
    remote_addr: str | None, forwarded_for: str | None, proxy_count: int
) -> str | None:
    """Return the address the outermost of `proxy_count` trusted proxies saw the client at."""
    if proxy_count <= 0 or not forwarded_for:
        return remote_addr
    entries = forwarded_for.split(",")
    # Fewer entries than proxies: all of them are still the proxies' own, so the leftmost is
    # the nearest to the client that anyone vouches for. Never reach further left than that.
    entry = entries[max(len(entries) - proxy_count, 0)].strip()
    try:
        address = ipaddress.ip_address(entry)
    except ValueError:
        # A proxy that writes something else is misconfigured; its own address is at least
        # one the client cannot choose.
        return remote_addr
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        # A dual-stack proxy may report an IPv4 client either way; count it once.
        address = address.ipv4_mapped
    return str(address)


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address for AXES_CLIENT_IP_CALLABLE."""
    return client_ip_from_headers(
        request.META.get("REMOTE_ADDR"),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        settings.PROXY_COUNT,
    )
