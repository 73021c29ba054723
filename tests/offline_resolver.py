"""A DNS resolver for tests of an offline machine: every host name fails to resolve, as with
no network, with no real DNS query; IP addresses and ``localhost`` pass. Scrapy setting:
``TWISTED_DNS_RESOLVER=tests.offline_resolver.OfflineResolver``."""

from __future__ import annotations

import ipaddress

from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer


@implementer(IResolverSimple)
class OfflineResolver:
    """Answers ``DNSLookupError`` for every name but IP addresses and ``localhost``."""

    def __init__(self, reactor):
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler, reactor):
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout=()):
        if name == "localhost":
            return defer.succeed("127.0.0.1")
        try:
            return defer.succeed(str(ipaddress.ip_address(name)))
        except ValueError:
            return defer.fail(DNSLookupError(f"no results for hostname lookup: {name}"))
