"""A local, data-driven replica of both MFA CMS generations, for tests, demos and benchmarks."""

from mfa_scraper.replica.data import Dataset
from mfa_scraper.replica.fixture import RunningReplica, running_replica
from mfa_scraper.replica.server import Replica, Response

__all__ = ["Dataset", "Replica", "Response", "RunningReplica", "running_replica"]
