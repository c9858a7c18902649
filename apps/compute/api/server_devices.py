"""``/servers/{id}/os-volume_attachments`` and ``/servers/{id}/topology`` (2.78+): what Nova answers
on a cloud without the feature behind them; and ``/servers/{id}/diagnostics``, which the server's
host answers (``apps/compute/servers/diagnostics.py``).

cloudcore has no block storage service and pins no guest to host NUMA cells. Nova still serves these
routes there, and clients (the SDK, Horizon, Tempest) call them for any server, so they answer here
as Nova does, step for step in Nova's order: the query or body checked against Nova's schema for
the microversion (400), the server looked up (404), the policy (403), the server's state (409),
and then what Nova finds of a volume that does not exist:

- the list is empty (``limit``/``offset`` accepted; other parameters a 400 from 2.75);
- showing an attachment: "Instance ... is not attached to volume ..." (404);
- attaching: after the lock and state checks of Nova's ``attach_volume``, "Volume ... could not be
  found." (404), as Cinder answers Nova for any volume id;
- updating (PUT): before 2.85 only a swap (admin only), which looks the old volume up first (404);
  from 2.85 a member may change delete_on_termination, but the attachment is looked up first (404);
- detaching: "Volume ... could not be found." (404);
- the topology: no NUMA cells and no page size, for every server.
"""

from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import Conflict, NotFound
from apps.common.microversion import Since, at_least
from apps.compute.api.schemas import volume_attachments as schemas
from apps.compute.models import Instance
from apps.compute.servers.diagnostics import get_diagnostics
from apps.compute.servers.lookup import get_instance
from apps.compute.servers.operation import check_lock
from apps.compute.states import VmState
from apps.identity import policy
from apps.identity.auth import RequestContext, request_context

POLICY = "os_compute_api:os-volumes-attachments:%s"
TOPOLOGY_POLICY = "compute:server:topology:index"
DIAGNOSTICS_POLICY = "os_compute_api:os-server-diagnostics"
SHELVED = (VmState.SHELVED, VmState.SHELVED_OFFLOADED)
# The vm_states Nova's compute API attaches a volume in (its check_instance_state on attach_volume).
ATTACHABLE = (VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED, VmState.RESIZED, VmState.SOFT_DELETED, *SHELVED)


def _server(request, server_id: str, rule: str) -> tuple[RequestContext, Instance]:
    """The server as the caller may see it (404 otherwise), then the rule (403), as Nova orders them."""
    ctx = request_context(request)
    instance = get_instance(ctx, server_id)
    policy.enforce(ctx, POLICY % rule)
    return ctx, instance


def _shelved_before_2_20(request, instance: Instance, server_id: str, method: str) -> None:
    """Before 2.20 a shelved server takes no volume and gives none back (409)."""
    if instance.vm_state in SHELVED and not at_least(request, "2.20"):
        raise Conflict(f"Cannot '{method}' instance {server_id} while it is in vm_state {instance.vm_state}")


def _check_attachable(ctx: RequestContext, instance: Instance, server_id: str) -> None:
    """Nova's ``check_instance_lock`` then ``check_instance_state`` on ``attach_volume``: not locked
    (unless admin), an attachable vm_state, no task under way, and launched once."""
    check_lock(ctx, instance)
    if instance.vm_state not in ATTACHABLE:
        raise Conflict(f"Cannot 'attach_volume' instance {server_id} while it is in vm_state {instance.vm_state}")
    if instance.task_state is not None:
        raise Conflict(f"Cannot 'attach_volume' instance {server_id} while it is in task_state {instance.task_state}")
    if instance.launched_at is None:
        raise Conflict(f"Instance {server_id} is in an invalid state for 'attach_volume'")


def _no_volume(volume_id: str) -> NotFound:
    """What Nova answers when Cinder does not know the volume: here, every volume."""
    return NotFound(f"Volume {volume_id} could not be found.")


class VolumeAttachmentsView(APIView):
    """``/servers/{id}/os-volume_attachments``: list (always empty) and attach (never found)."""

    query = schemas.INDEX_QUERY

    def get(self, request, server_id):
        schemas.INDEX_QUERY.validate(request)
        _server(request, server_id, "index")
        return Response({"volumeAttachments": []})

    def post(self, request, server_id):
        attachment = schemas.ATTACH.validate(request)["volumeAttachment"]
        ctx, instance = _server(request, server_id, "create")
        _shelved_before_2_20(request, instance, server_id, "attach_volume")
        _check_attachable(ctx, instance, server_id)
        raise _no_volume(attachment["volumeId"])


class VolumeAttachmentView(APIView):
    """``/servers/{id}/os-volume_attachments/{volume_id}``: show, update or swap, detach; no volume
    is ever attached here, so each ends in Nova's 404 for its own lookup."""

    query = schemas.SHOW_QUERY

    def get(self, request, server_id, volume_id):
        schemas.SHOW_QUERY.validate(request)
        _server(request, server_id, "show")
        raise NotFound(f"Instance {server_id} is not attached to volume {volume_id}")

    def put(self, request, server_id, volume_id):
        attachment = schemas.UPDATE.validate(request)["volumeAttachment"]
        ctx = request_context(request)
        get_instance(ctx, server_id)
        only_swap = not at_least(request, "2.85")
        # Nova: a swap (any PUT before 2.85, or a new volumeId) is the swap rule's, the rest the update rule's.
        swap = only_swap or attachment["volumeId"] != volume_id
        policy.enforce(ctx, POLICY % ("swap" if swap else "update"))
        if only_swap:
            raise _no_volume(volume_id)  # the swap looks the old volume up in Cinder first
        raise NotFound(f"No volume Block Device Mapping with id {volume_id}.")  # the attachment's own lookup

    def delete(self, request, server_id, volume_id):
        _ctx, instance = _server(request, server_id, "delete")
        _shelved_before_2_20(request, instance, server_id, "detach_volume")
        raise _no_volume(volume_id)


class ServerTopologyView(Since, APIView):
    """``/servers/{id}/topology`` (2.78+): a server's NUMA cells; none here, and no page size."""

    min_version = "2.78"
    query = schemas.TOPOLOGY_QUERY

    def get(self, request, server_id):
        schemas.TOPOLOGY_QUERY.validate(request)
        ctx = request_context(request)
        get_instance(ctx, server_id)
        policy.enforce(ctx, TOPOLOGY_POLICY)
        return Response({"nodes": [], "pagesize_kb": None})


class ServerDiagnosticsView(APIView):
    """``/servers/{id}/diagnostics`` (admins): the host's driver's free-form diagnostics before 2.48,
    Nova's standardised ones from 2.48. No query parameter (any is a 400 from 2.102)."""

    def get(self, request, server_id):
        ctx = request_context(request)
        instance = get_instance(ctx, server_id)
        policy.enforce(ctx, DIAGNOSTICS_POLICY)
        return Response(get_diagnostics(instance, server_id, standardised=at_least(request, "2.48")))
