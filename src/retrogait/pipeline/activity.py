"""Activity stage: still / moving / walking / running of one foot sensor, as ActivityEvents.

Contract: :meth:`ActivityTracker.set` emits an :class:`~retrogait.events.ActivityEvent` (times
in s on the recording time base) when the activity changes; :meth:`ActivityTracker.stride`
votes walking or running from a stride's contact and stride times (s).
"""

from __future__ import annotations

from collections import deque

from retrogait.events import Activity, ActivityEvent, Event, Foot
from retrogait.pipeline.params import ActivityParams


class ActivityTracker:
    """The current activity of one sensor and the gait votes of its last strides."""

    def __init__(self, sensor_id: str, foot: Foot, params: ActivityParams) -> None:
        self.sensor_id = sensor_id
        self.foot = foot
        self.params = params
        self.activity: Activity | None = None
        self._votes: deque[Activity] = deque(maxlen=params.votes)

    def clear_votes(self) -> None:
        self._votes.clear()

    def set(self, act: Activity, t_s: float, emitted: float, events: list[Event]) -> None:
        """The activity is ``act`` from ``t_s`` on (decided at ``emitted``)."""
        if act == self.activity:
            return
        events.append(
            ActivityEvent(
                t_s=t_s, emitted_at_s=emitted, sensor=self.sensor_id, foot=self.foot,
                activity=act, previous=self.activity,
            )
        )
        self.activity = act

    def stride(self, contact_s: float, stride_s: float, start_s: float, emitted: float,
               events: list[Event]) -> None:
        """A stride from ``start_s`` with its contact (landing to toe-off) and stride times:
        running when the contact is below ``running_contact_fraction`` of the stride (a
        flight phase). The activity changes when ``votes`` strides in a row agree, or at once
        from an activity that is not gait."""
        gait: Activity = ("running" if contact_s < self.params.running_contact_fraction * stride_s
                          else "walking")
        self._votes.append(gait)
        if (len(self._votes) == self._votes.maxlen and all(v == gait for v in self._votes)) or (
            self.activity not in ("walking", "running")
        ):
            self.set(gait, start_s, emitted, events)
