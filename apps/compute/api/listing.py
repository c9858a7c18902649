"""Server lists as Nova serves them: filters, sorting, ``limit``/``marker`` paging and next links."""

import re
import uuid

from django.db import DataError, transaction
from django.db.models import Q

from apps.common.exceptions import BadRequest
from apps.common.microversion import at_least
from apps.common.query import multi, strict_from
from apps.common.schemas import boolean
from apps.common.times import parse_utc
from apps.compute import states
from apps.compute.extra_specs import TRUE_WORDS
from apps.compute.models import Instance
from apps.identity import policy
from apps.network.models import Port

MAX_LIMIT = 1000

# Nova's server list query parameters (schemas/servers.py index_query): unknown ones are ignored until
# 2.75 and a 400 from it (so the names added before 2.75 need no schema of their own: tags, tags-any,
# not-tags and not-tags-any at 2.26, changes-before at 2.66, locked at 2.73). Names Nova accepts but
# cloudcore has nothing for (kernel_id, the joined tables...) are accepted and match as Nova's would on
# this cloud.
_NOVA_PARAMS = (
    "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image", "kernel_id", "ramdisk_id",
    "hostname", "key_name", "power_state", "vm_state", "task_state", "host", "node", "flavor", "reservation_id",
    "launched_at", "terminated_at", "availability_zone", "name", "display_name", "description",
    "display_description", "locked_by", "uuid", "root_device_name", "config_drive", "access_ip_v4",
    "access_ip_v6", "auto_disk_config", "progress", "sort_key", "sort_dir", "all_tenants", "soft_deleted",
    "deleted", "status", "changes-since", "ip", "ip6", "created_at", "block_device_mapping", "services",
    "metadata", "system_metadata", "info_cache", "security_groups", "pci_devices", "limit", "marker",
    "tags", "tags-any", "not-tags", "not-tags-any", "changes-before", "locked",
)  # fmt: skip
QUERY = strict_from("2.75", {name: multi({"type": "string"}) for name in _NOVA_PARAMS})
SORT_KEYS = {"created_at": "created_at", "updated_at": "updated_at", "display_name": "name", "uuid": "uuid",
             "vm_state": "vm_state", "task_state": "task_state", "host": "host"}  # fmt: skip


def _limit(params) -> int:
    raw = params.get("limit")
    if raw is None:
        return MAX_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest("limit param must be an integer") from None
    if limit < 0:
        raise BadRequest("limit param must be positive")
    return min(limit, MAX_LIMIT)


def filtered(request, ctx, instances):
    """Apply Nova's list filters (admins get the host, project and deleted ones)."""
    params = request.query_params
    since = None
    if params.get("changes-since") or params.get("changes_since"):
        since = parse_utc(params.get("changes-since") or params.get("changes_since") or "")
        if since is None:
            raise BadRequest("Invalid input for field/attribute changes-since. Value must be an ISO 8601 date-time")
        instances = instances.filter(updated_at__gte=since)  # includes deleted servers, as in Nova
    else:
        instances = instances.filter(deleted_at__isnull=True)
    if params.get("name"):
        try:
            re.compile(params["name"])
        except re.error:
            raise BadRequest(f"Invalid regular expression for name: {params['name']}") from None
        instances = instances.filter(name__regex=params["name"])
    for param, family in (("ip", "."), ("ip6", ":")):
        # ip6 is an admin's filter until 2.5, when Nova opened it to everyone.
        if params.get(param) and (param == "ip" or ctx.is_admin or at_least(request, "2.5")):
            instances = instances.filter(uuid__in=_by_address(param, params[param], family))
    if params.get("status"):
        matches = states.status_filter(params["status"])
        if matches is None:
            if at_least(request, "2.38"):
                raise BadRequest(f"Invalid status value: {params['status']}")
            return instances.none()
        instances = instances.filter(matches)
    if params.get("flavor"):
        instances = instances.filter(flavor__flavorid=params["flavor"])
    if params.get("image"):
        instances = instances.filter(image_ref=params["image"].rstrip("/").rsplit("/", 1)[-1])
    if params.get("reservation_id"):
        instances = instances.filter(reservation_id=params["reservation_id"])
    if params.get("changes-before") and at_least(request, "2.66"):
        before = parse_utc(params["changes-before"])
        if before is None:
            raise BadRequest("Invalid input for field/attribute changes-before. Value must be an ISO 8601 date-time")
        if since is not None and before < since:
            raise BadRequest(f"The value of changes-since ({since}) must be earlier than changes-before ({before})")
        instances = instances.filter(updated_at__lte=before)
    if params.get("locked") and at_least(request, "2.73"):
        locked = params["locked"].lower()
        if locked not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise BadRequest(f"Unrecognized value '{params['locked']}', acceptable values are: true, false")
        instances = instances.filter(locked=boolean(locked))
    if ctx.is_admin or at_least(request, "2.83"):
        instances = _state_filters(params, instances)
    if ctx.is_admin:
        if params.get("host"):
            instances = instances.filter(host=params["host"])
        if params.get("node"):
            instances = instances.filter(node__regex=_regex(params, "node"))
        if params.get("hostname"):
            instances = instances.filter(hostname__regex=_regex(params, "hostname"))
        project = params.get("project_id") or params.get("tenant_id")
        if project:
            instances = instances.filter(project_id=project)
    return instances


def _regex(params, name: str) -> str:
    try:
        re.compile(params[name])
    except re.error:
        raise BadRequest(f"Invalid regular expression for {name}: {params[name]}") from None
    return params[name]


def _state_filters(params, instances):
    """The filters only admins had until 2.83 opened them to everyone (a non-admin's are ignored
    before): zone, key name, user, states, config drive, progress and the timestamps."""
    if params.get("availability_zone"):
        instances = instances.filter(availability_zone__regex=_regex(params, "availability_zone"))
    if params.get("key_name"):
        instances = instances.filter(key_name__regex=_regex(params, "key_name"))
    if params.get("user_id"):
        instances = instances.filter(user_id=params["user_id"])
    for name in ("vm_state", "task_state"):
        if params.getlist(name):
            instances = instances.filter(**{f"{name}__in": params.getlist(name)})
    if params.get("power_state"):
        try:
            instances = instances.filter(power_state=int(params["power_state"]))
        except ValueError:
            instances = instances.none()  # Nova matches the text against numbers: nothing
    if params.get("config_drive") and boolean_text(params["config_drive"]):
        instances = instances.none()  # no server here has a config drive
    if params.get("progress"):
        progress = params["progress"]
        states_at = {"100": Q(vm_state=states.VmState.ACTIVE), "0": Q(vm_state=states.VmState.BUILDING)}
        instances = instances.filter(states_at[progress]) if progress in states_at else instances.none()
    for name, column in (("created_at", "created_at"), ("launched_at", "launched_at"),
                         ("terminated_at", "terminated_at")):  # fmt: skip
        if params.get(name):
            moment = parse_utc(params[name])
            if moment is None:
                raise BadRequest(f"Invalid input for query parameters {name}. Value must be an ISO 8601 date-time")
            instances = instances.filter(**{column: moment})
    return instances


def boolean_text(value: str) -> bool:
    return value.lower() in TRUE_WORDS


def _by_address(param: str, pattern: str, family: str) -> list[uuid.UUID]:
    """The instances with a fixed address of the family (``.`` IPv4, ``:`` IPv6) that ``pattern``
    matches from its start (Nova's ``ip``/``ip6`` filters, a Python ``re.match``)."""
    if len(pattern) > 255:
        raise BadRequest(f"Invalid input for query parameters {param}. Value is longer than 255 characters")
    try:
        re.compile(pattern)
    except re.error:
        raise BadRequest(f"Invalid regular expression for {param}: {pattern}") from None
    devices = Port.objects.filter(fixed_ip__contains=family, fixed_ip__regex=f"^(?:{pattern})")
    try:
        with transaction.atomic():  # a savepoint: a pattern PostgreSQL refuses must not spoil the request
            device_ids = list(devices.values_list("device_id", flat=True).distinct())
    except DataError:
        raise BadRequest(f"Invalid regular expression for {param}: {pattern}") from None
    found = []
    for device_id in device_ids:
        try:
            found.append(uuid.UUID(device_id))
        except ValueError:
            continue  # a port of something else than a server
    return found


def sorted_page(request, instances) -> tuple[list[Instance], bool]:
    """One page, and whether another may follow."""
    params = request.query_params
    key = SORT_KEYS.get(params.get("sort_key", "created_at"))
    if key is None:
        raise BadRequest(f"Invalid sort_key: {params.get('sort_key')}")
    descending = params.get("sort_dir", "desc").lower() != "asc"
    order = [f"-{key}" if descending else key, "uuid"]
    instances = instances.order_by(*order)
    marker = params.get("marker")
    if marker:
        try:
            anchor = Instance.objects.filter(uuid=uuid.UUID(marker)).values(key, "uuid").first()
        except ValueError:
            anchor = None
        if anchor is None:
            raise BadRequest(f"marker [{marker}] not found")
        beyond = f"{key}__lt" if descending else f"{key}__gt"
        instances = instances.filter(Q(**{beyond: anchor[key]}) | Q(**{key: anchor[key], "uuid__gt": anchor["uuid"]}))
    limit = _limit(params)
    page = list(instances[:limit])
    return page, bool(page) and len(page) == limit and "limit" in params


def next_link(request, page: list[Instance], detail: bool) -> list[dict]:
    params = request.query_params.copy()
    params["marker"] = str(page[-1].uuid)
    root = request.build_absolute_uri("/").rstrip("/")
    path = "/v2.1/servers/detail" if detail else "/v2.1/servers"
    return [{"rel": "next", "href": f"{root}{path}?{params.urlencode()}"}]


def check_all_tenants(ctx, params) -> bool:
    flag = params.get("all_tenants")
    all_tenants = flag is not None and flag.lower() not in ("0", "false", "no")
    if all_tenants:
        policy.enforce(ctx, "os_compute_api:servers:index:get_all_tenants")
    return all_tenants
