"""Webhook targets: only http(s) URLs whose host resolves to public addresses (no SSRF into our network)."""
import ipaddress
import logging
import socket
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
# One answer for every host refused: which one resolves, and to what, is our network's business.
REFUSED = ("Must be an http or https URL whose host resolves to public addresses only; webhooks are sent to public "
           "addresses only.")


class UnsafeUrl(ValueError):
    """A webhook URL that may not be called; the message says why."""


def _is_public(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None or ip.teredo is not None or ip.is_site_local:
            # Tunnels to an IPv4 address (6to4 2002::/16, Teredo 2001::/32) reach whatever that address is, and
            # site-local fec0::/10 is private in all but name: none is a plain public endpoint.
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
                                 or ip.is_private or ip.is_unspecified)


def parse(url):
    """Return (scheme, host, port, path with query) of an http(s) URL; raise UnsafeUrl otherwise."""
    if not url.isascii() or not url.isprintable() or " " in url:
        raise UnsafeUrl("Must be plain ASCII without spaces: percent-encode other characters (RFC 3986) and write an "
                        "internationalised host name in its xn-- form.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl(f"Not a valid URL: {error}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("Must be an http or https URL with a host.")
    if parts.username or parts.password:
        raise UnsafeUrl("Must not carry credentials; the signature authenticates the sender.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(url, *, allow_private):
    """Return (scheme, host, port, path, the addresses to connect to); raise UnsafeUrl when one may not be called.

    Every address the host resolves to must be public: a name that resolves to a public and a private address
    could be answered either way at delivery. The caller connects to one of the addresses returned, checked here,
    not to the name again (a second resolution could answer another address: DNS rebinding).
    """
    scheme, host, port, path = parse(url)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        log.debug("webhook host %r does not resolve", host)
        raise UnsafeUrl(REFUSED) from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not allow_private:
        refused = [address for address in addresses if not _is_public(address)]
        if refused:
            log.debug("webhook host %r resolves to the non-public address %s", host, refused[0])
            raise UnsafeUrl(REFUSED)
    return scheme, host, port, path, addresses
