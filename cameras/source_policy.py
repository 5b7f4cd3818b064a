"""Which files and network addresses a camera source may point at (the deployment's rules).

Used through :func:`cameras.validators.validate_camera_source`; the parts here read the
settings block "Camera sources" in ``vms/settings.py``:

* ``CAMERA_FILE_ROOTS`` — directories ``file:`` sources may be in;
* ``CAMERA_ALLOWED_NETWORKS`` — CIDRs allowed although special (private camera networks,
  loopback for the embedded demo);
* ``CAMERA_DENIED_NETWORKS`` — CIDRs never allowed (deny wins over allow);
* ``CAMERA_ALLOW_PUBLIC_NETWORKS`` — whether public (globally routed) addresses pass.

Cloud metadata addresses are refused whatever is configured: no camera lives there, and a
request to one from the server can hand out its cloud credentials.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
from collections.abc import Iterable
from urllib.parse import SplitResult, unquote

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_NETWORKS = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
        "169.254.170.2/32",  # AWS ECS task credentials
        "fd00:ec2::254/128",  # AWS over IPv6
        "100.100.100.200/32",  # Alibaba Cloud
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@functools.lru_cache(maxsize=32)
def parse_networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """``("10.0.0.0/8", "::1")`` as networks; a bad entry raises ``ValueError`` naming it."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(str(cidr).strip(), strict=False))
        except ValueError as error:
            raise ValueError(f"{cidr!r} is not a network (CIDR) address: {error}") from error
    return tuple(networks)


def _configured(name: str) -> tuple[IPNetwork, ...]:
    return parse_networks(tuple(getattr(settings, name, ()) or ()))


def _effective(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries to (mapped, 6to4, NAT64), else itself: the
    checks apply to where the packets end up."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address.sixtofour:
            return address.sixtofour
        if address.teredo:
            return address.teredo[1]
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.scope_id:
            return ipaddress.IPv6Address(str(address).split("%", 1)[0])
    return address


def _special_kind(address: IPAddress) -> str | None:
    """What kind of non-public address this is, in words, or None for a public one."""
    if address.is_unspecified:
        return "an unspecified address (0.0.0.0 or ::)"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private or not address.is_global:
        if isinstance(address, ipaddress.IPv4Address) and (
            address in ipaddress.ip_network("10.0.0.0/8")
            or address in ipaddress.ip_network("172.16.0.0/12")
            or address in ipaddress.ip_network("192.168.0.0/16")
            or address in ipaddress.ip_network("100.64.0.0/10")
        ):
            return "a private-network address"
        if isinstance(address, ipaddress.IPv6Address) and address in ipaddress.ip_network(
            "fc00::/7"
        ):
            return "a private-network address"
        return "a reserved or special-purpose address"
    return None


def address_refusal(address: IPAddress, *, named: bool = False) -> str | None:
    """Why a camera source may not connect to ``address`` (a sentence that names the rule,
    not the address), or None when it may. ``named``: the URL gave a host name that resolved
    to ``address``."""
    message = _refusal(_effective(address))
    if message and named:
        message = message.replace("The stream's host is", "The stream's host name resolves to")
    return message


def _refusal(address: IPAddress) -> str | None:
    if any(address in network for network in METADATA_NETWORKS):
        return "The stream's host is a cloud metadata address: never a camera source."
    if any(address in network for network in _configured("CAMERA_DENIED_NETWORKS")):
        return (
            "The stream's host is in a network this deployment denies (VMS_CAMERA_DENIED_NETWORKS)."
        )
    if any(address in network for network in _configured("CAMERA_ALLOWED_NETWORKS")):
        return None
    kind = _special_kind(address)
    if kind is None:
        if getattr(settings, "CAMERA_ALLOW_PUBLIC_NETWORKS", True):
            return None
        return (
            "The stream's host is a public address, and this deployment allows camera "
            "sources only in its camera networks (VMS_CAMERA_ALLOWED_NETWORKS)."
        )
    return (
        f"The stream's host is {kind}; camera sources may use one only in a network this "
        "deployment allows (VMS_CAMERA_ALLOWED_NETWORKS)."
    )


def is_address_literal(host: str) -> bool:
    """Whether a URL's host is an IP address rather than a name."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def resolve_host(host: str | None, port: int | None) -> list[IPAddress] | None:
    """Every address ``host`` stands for (itself when it is an address), or None when a name
    does not resolve now."""
    if not host:
        return None
    literal = host.split("%", 1)[0]  # an IPv6 zone: fe80::1%eth0
    try:
        return [ipaddress.ip_address(literal)]
    except ValueError:
        pass
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return None
    addresses = []
    for _family, _type, _proto, _name, sockaddr in answers:
        try:
            addresses.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
        except ValueError:
            continue
    return addresses or None


def file_roots() -> list[str]:
    """The configured media directories, resolved."""
    return [os.path.realpath(root) for root in getattr(settings, "CAMERA_FILE_ROOTS", ()) or ()]


def path_within(path: str, roots: Iterable[str]) -> bool:
    """Whether ``path``, resolved (``..``, symbolic links), lies inside one of ``roots``."""
    resolved = os.path.realpath(path)
    return any(resolved != root and os.path.commonpath([resolved, root]) == root for root in roots)


def file_source_allowed(parts: SplitResult) -> bool:
    """Whether a ``file:`` URL names a local path inside a configured media directory."""
    if parts.netloc not in ("", "localhost"):
        return False  # file://otherhost/… is someone else's file system
    path = unquote(parts.path)
    if not path.startswith("/") or any(ord(ch) < 32 for ch in path):
        return False
    return path_within(path, file_roots())
