"""Only hosts that can run the image: its ``architecture`` and ``hypervisor_type`` properties."""

from workers.scheduler.filters.base import BaseHostFilter


def _requirements(spec) -> dict[str, str]:
    props = spec.image_properties
    return {k: str(props[k]).lower() for k in ("architecture", "hypervisor_type") if props.get(k)}


class ImagePropertiesFilter(BaseHostFilter):
    def relevant(self, spec):
        return bool(_requirements(spec))

    def host_passes(self, host_state, spec):
        needs = _requirements(spec)
        arch = needs.get("architecture")
        hv_type = needs.get("hypervisor_type")
        if arch and host_state.cpu_arch and host_state.cpu_arch.lower() != arch:
            return False
        return not (hv_type and host_state.hypervisor_type.lower() != hv_type)

    def describe_rejection(self, rejected, spec):
        return "cannot run an image needing " + ", ".join(f"{k}={v}" for k, v in _requirements(spec).items())
