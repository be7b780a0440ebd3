"""Where notices may be sent: the one guard for user-supplied delivery addresses
(webhook URLs and Web Push endpoints) against server-side request forgery.

On an instance others can sign up to, a user could point a webhook at the
server's own loopback, the LAN behind it or a cloud's metadata service and read
the answers through the delivery log. So, unless registration is closed or the
operator allows private addresses (`POTWISE_NOTIFY_ALLOW_PRIVATE`, a household's
own LAN), an address must be https and every address its host resolves to must
be public.

The check is made when an address is saved (a clear answer at once) and again
when connecting (`GuardedTransport`): the host is resolved, every address is
checked, and the connection goes to the checked address (the certificate is
still verified for the host's name), so a name that changes its answer between
the two is still caught. Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx2

from potwise.services.errors import InvalidInput
from potwise.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], list[str]]

TIMEOUT_SECONDS = 10.0
# Cloud metadata services answer on these (AWS, GCP, Azure, Oracle, Alibaba; AWS's IPv6).
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254")
)


class DestinationRefused(httpx2.ConnectError):
    """The address is not one potwise sends to; the message says why, for the user."""


def address_refusal(address: IPAddress) -> str | None:
    """Why a shared instance must not connect to `address`, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address (this server itself)"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or address.is_unspecified or address.is_reserved:
        return "a private network address"
    if address.is_multicast or not address.is_global:
        return "an address that is not on the public internet"
    return None


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an address literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Destinations:
    """The rule for this instance. `allow_private`: a single household's instance
    (registration closed, or the operator's choice) may send to its own LAN, over
    http too."""

    allow_private: bool
    resolve: Resolve = resolve_host
    refusal: Callable[[IPAddress], str | None] = field(default=address_refusal)

    def check_url(self, url: str, *, what: str = "address") -> str:
        """The URL, stripped, when potwise may send to it; else `InvalidInput` with
        a message for the user. A host that does not resolve now is let through
        (it is checked again when sending)."""
        value = url.strip()
        parts = urlsplit(value)
        if len(value) > 2000 or parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(f"Enter the {what} in full, starting with https://.")
        if parts.username or parts.password:
            raise InvalidInput("Put a receiver's token in its path or query, not before the host.")
        if parts.scheme != "https" and not self.allow_private:
            raise InvalidInput(
                f"This server sends only over https: the {what} must start with https://."
            )
        try:
            self.checked_address(parts.hostname, parts.port or 443)
        except DestinationRefused as exc:
            raise InvalidInput(str(exc)) from exc
        except OSError:
            pass  # not resolvable from here now; checked again when sending
        return value

    def checked_address(self, host: str, port: int) -> str | None:
        """The address to connect to, every one the host resolves to being allowed;
        None when private addresses are allowed (connect by name as usual)."""
        if self.allow_private:
            return None
        addresses = self.resolve(host, port)
        if not addresses:
            raise DestinationRefused(f"{host} does not resolve to any address.")
        for text in addresses:
            why = self.refusal(ipaddress.ip_address(text.split("%", 1)[0]))
            if why is not None:
                raise DestinationRefused(
                    f"Refused: {host} is {why}. This server sends notices only to "
                    "public internet addresses (its operator can allow a household's "
                    "own network with POTWISE_NOTIFY_ALLOW_PRIVATE)."
                )
        return addresses[0]

    def client(self) -> httpx2.Client:
        """An HTTP client that connects only where this rule allows and follows no
        redirect (environment proxies are ignored: they would connect for us)."""
        return httpx2.Client(
            transport=GuardedTransport(self),
            follow_redirects=False,
            trust_env=False,
            timeout=TIMEOUT_SECONDS,
        )


def destinations_for(settings: Settings) -> Destinations:
    """Private addresses are allowed when nobody else can sign up, or by the operator."""
    single_household = settings.registration == "closed" or (
        settings.registration is None and settings.registration_open is False
    )
    return Destinations(allow_private=settings.notify_allow_private or single_household)


class GuardedTransport(httpx2.BaseTransport):
    """Checks the destination of every request when connecting: the host is resolved
    once, each address checked, and the request sent to the checked address, with
    the host name kept for the Host header and the TLS certificate check."""

    def __init__(self, destinations: Destinations) -> None:
        self._destinations = destinations
        self._inner = httpx2.HTTPTransport(trust_env=False)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        if url.scheme != "https" and not self._destinations.allow_private:
            raise DestinationRefused("Refused: this server sends only over https.")
        host = url.host
        try:
            address = self._destinations.checked_address(host, url.port or _default_port(url))
        except OSError as exc:
            raise httpx2.ConnectError(f"could not resolve {host}") from exc
        if address is not None:
            request.url = url.copy_with(host=address)
            request.extensions = {**request.extensions, "sni_hostname": host}
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _default_port(url: httpx2.URL) -> int:
    return 443 if url.scheme == "https" else 80
