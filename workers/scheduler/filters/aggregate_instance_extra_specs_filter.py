"""Flavor extra specs scoped ``aggregate_instance_extra_specs:`` (or unscoped) must match the
metadata of one of the host's aggregates. A value may list alternatives separated by ``,``."""

from workers.scheduler.filters.base import BaseHostFilter

SCOPE = "aggregate_instance_extra_specs"


def _wanted(spec) -> dict[str, set[str]]:
    wanted = {}
    for key, value in spec.extra_specs.items():
        scope, _, name = key.rpartition(":")
        if scope not in ("", SCOPE):
            continue
        wanted[name] = {v.strip() for v in str(value).split(",")}
    return wanted


class AggregateInstanceExtraSpecsFilter(BaseHostFilter):
    def relevant(self, spec):
        return bool(_wanted(spec))

    def host_passes(self, host_state, spec):
        wanted = _wanted(spec)
        merged: dict[str, set[str]] = {}
        for metadata in host_state.aggregates:
            for key, value in metadata.items():
                merged.setdefault(key, set()).update(v.strip() for v in str(value).split(","))
        return all(merged.get(key, set()) & values for key, values in wanted.items())

    def describe_rejection(self, rejected, spec):
        return "aggregate metadata does not match " + ", ".join(
            f"{k}={'|'.join(sorted(v))}" for k, v in _wanted(spec).items()
        )
