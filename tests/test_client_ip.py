"""The client address behind trusted proxies, case by case. No database, no request."""

import pytest

from westcheck.client_ip import client_ip_from_headers

PROXY = "10.0.0.2"


@pytest.mark.parametrize(
    ("forwarded_for", "proxy_count", "expected"),
    [
        # Without proxies the header is the client's own words: ignored.
        ("198.51.100.7", 0, PROXY),
        ("", 1, PROXY),
        (None, 1, PROXY),
        ("203.0.113.66", 1, "203.0.113.66"),
        # One proxy: only the address it appended counts, not what the client sent before it.
        ("198.51.100.7, 203.0.113.66", 1, "203.0.113.66"),
        # Two proxies: the outer one appended the client, the inner one the outer proxy.
        ("198.51.100.7, 203.0.113.66, 10.0.0.1", 2, "203.0.113.66"),
        ("203.0.113.66,10.0.0.1", 2, "203.0.113.66"),
        ("  203.0.113.66 ,   10.0.0.1  ", 2, "203.0.113.66"),
        # Fewer entries than proxies: the leftmost is still one a proxy wrote.
        ("203.0.113.66", 3, "203.0.113.66"),
        ("2001:db8::1, 10.0.0.1", 2, "2001:db8::1"),
        # One spelling per address, so that an address cannot be counted twice.
        ("2001:DB8:0:0::1", 1, "2001:db8::1"),
        ("::ffff:203.0.113.66", 1, "203.0.113.66"),
        # Garbage where the client should be: the proxy's own address, never a crash.
        ("not-an-address", 1, PROXY),
        ("203.0.113.66, unknown", 1, PROXY),
        ("203.0.113.66:4711", 1, PROXY),
        ("203.0.113.66,", 1, PROXY),
        (",,", 2, PROXY),
        ("300.1.2.3", 1, PROXY),
    ],
)
def test_client_address_is_the_one_the_trusted_proxies_vouch_for(
    forwarded_for, proxy_count, expected
):
    assert client_ip_from_headers(PROXY, forwarded_for, proxy_count) == expected


def test_without_a_proxy_the_connecting_address_is_the_client():
    assert client_ip_from_headers("2001:db8::5", "203.0.113.66", 0) == "2001:db8::5"


def test_a_missing_connecting_address_stays_missing():
    assert client_ip_from_headers(None, "junk", 1) is None
