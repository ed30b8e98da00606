"""Matching needs (相談受付) with volunteers (担い手) and resources, for 生活支援コーディネーター.

No Flask, no click: the web and the command line call these modules.

- ``settings``: weights and thresholds (documented settings MAPAPP_MATCH_*)
- ``vocab``: need kinds and skills from the taxonomy by code, label or alias; statuses
- ``times``: 希望日時 / 活動できる日時 as weekly slots, read by mapapp.schedule
- ``facts``: what the filters and the score need, loaded from the database
- ``filters``: each hard filter a small named function giving a Japanese reason
- ``scoring``: the score's parts with their reasons
- ``candidates``: volunteers and resources for one need, best first
- ``cases``: propose → ask → accept / decline → done, points, need status changes
- ``batch``: an optimal assignment of open needs of a kind (min-cost matching) and greedy
- ``people``: lists and records scoped to a coordinator's areas, audited views, follow-ups
- ``records``: a need or a volunteer read from texts by field name (a list row, a form)
- ``intake``: a need or a volunteer recorded or changed in a staff form, placed and scoped
- ``documents``: needs, volunteers and cases as the staff pages and the staff API show them
- ``export``: needs and volunteers as CSV with the headers the list importer reads
"""

from __future__ import annotations


class MatchingProblem(ValueError):
    """A request about needs, volunteers or cases that cannot be done; the message is
    Japanese and says why."""
