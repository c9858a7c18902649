"""The orders a compute node obeys: tasks the control plane signed for this node, unexpired.

Every compute task runs as an ``OrderTask`` (the worker app's task class). An order signed by a
node's key, addressed to another node's queue (another host's order replayed here), expired, or
not signed at all is refused: logged, counted (``core.signing``) and never run.
"""

from core import names, pki
from core.signing import Reason, Rejected, SeenMessages, SignedTask
from workers.compute.node import current

_seen = SeenMessages()


class OrderTask(SignedTask):
    def accept(self, signer, args, kwargs):
        if signer.role != pki.CONTROL_PLANE:
            raise Rejected(Reason.WRONG_ROLE, f"orders come from the control plane, not from a {signer.role}")
        mine = names.compute_queue(current().host)
        if signer.target != mine:
            raise Rejected(Reason.WRONG_TARGET, f"an order for {signer.target[:80]}, not for {mine}")
        if not _seen.first_time(str(self.request.id), signer.expires):
            raise Rejected(Reason.REPLAYED, f"order {str(self.request.id)[:40]} was obeyed already")
        return args, kwargs
