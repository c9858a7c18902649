"""``PUT /os-quota-class-sets/{class}``: the quota sets' limits, without ``force``. Until 2.49 the
nova-network ones too; from 2.57 no injected files, as in Nova. ``GET`` takes no query parameter:
any is ignored until 2.101 and a 400 from 2.102."""

from apps.common.schemas import closed, envelope
from apps.compute.api.schemas.quota_sets import INJECTED_FILES, NETWORK, RESOURCES, LimitBody, limits, without


def _quota_class_set(names) -> dict:
    return envelope("quota_class_set", closed(limits(names)))


UPDATE = LimitBody(
    {
        "2.1": _quota_class_set(RESOURCES),
        "2.50": _quota_class_set(without(RESOURCES, NETWORK)),
        "2.57": _quota_class_set(without(RESOURCES, (*NETWORK, *INJECTED_FILES))),
    },
    example={"quota_class_set": {"instances": 20, "cores": 40}},
)
