"""Which addresses a shared instance refuses to send notices to, and why."""

from __future__ import annotations

import ipaddress

import pytest

from potwise.services.errors import InvalidInput
from potwise.services.notifications.destinations import Destinations, address_refusal


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4 written as IPv6
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.0.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "private"),  # noqa: S104 (an address refused, not bound)
        ("100.64.0.1", "not on the public internet"),  # carrier-grade NAT
        ("224.0.0.1", "not on the public internet"),
    ],
)
def test_inside_addresses_are_refused_with_their_reason(address: str, reason: str) -> None:
    why = address_refusal(ipaddress.ip_address(address))
    assert why is not None
    assert reason in why


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "1.1.1.1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_every_address_a_name_resolves_to_must_be_public() -> None:
    guard = Destinations(allow_private=False, resolve=lambda host, port: ["1.1.1.1", "10.0.0.1"])
    with pytest.raises(InvalidInput, match="private network"):
        guard.check_url("https://mixed.example.org/hook")


def test_a_name_that_does_not_resolve_now_is_saved_and_checked_when_sending() -> None:
    def unresolvable(host: str, port: int) -> list[str]:
        raise OSError("no such name")

    guard = Destinations(allow_private=False, resolve=unresolvable)
    assert guard.check_url(" https://later.example.org/x ") == "https://later.example.org/x"


def test_a_households_instance_allows_its_lan_over_http() -> None:
    guard = Destinations(allow_private=True)
    assert guard.check_url("http://192.168.1.5:8123/api/webhook/x").startswith("http://")
    assert guard.checked_address("192.168.1.5", 8123) is None  # connects by name as usual
