"""The filter interface."""

from workers.scheduler.host_state import HostState
from workers.scheduler.request_spec import RequestSpec


class BaseHostFilter:
    def relevant(self, spec: RequestSpec) -> bool:
        """Whether this filter has anything to check for the request (if not, it is skipped)."""
        return True

    def host_passes(self, host_state: HostState, spec: RequestSpec) -> bool:
        raise NotImplementedError

    def filter_all(self, hosts: list[HostState], spec: RequestSpec) -> list[HostState]:
        """The hosts that pass; a filter may override this with a faster loop."""
        passes = self.host_passes
        return [host for host in hosts if passes(host, spec)]

    def describe_rejection(self, rejected: list[HostState], spec: RequestSpec) -> str:
        """Why the hosts this filter removed did not pass, in a few words."""
        return ""
