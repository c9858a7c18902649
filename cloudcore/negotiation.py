"""Content negotiation that, like Nova, answers JSON to an empty ``Accept`` header.

openstacksdk sends ``Accept:`` with no value on server actions; DRF's default negotiation finds no
acceptable type in it and answers 406.
"""

from rest_framework.negotiation import DefaultContentNegotiation


class LenientContentNegotiation(DefaultContentNegotiation):
    def get_accept_list(self, request):
        accepted = super().get_accept_list(request)
        return [token for token in accepted if token] or ["*/*"]
