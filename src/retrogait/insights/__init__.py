"""Session insights for runners and coaches: summary, history, report, live view, dashboards.

Only :mod:`retrogait.insights.report` needs matplotlib (``pip install retrogait[report]``); it
is imported lazily, so the daemon runs without it.
"""

from retrogait.insights.summary import SessionSummary, SummaryBuilder, summarize
from retrogait.insights.summary_text import format_summary

__all__ = ["SessionSummary", "SummaryBuilder", "format_summary", "summarize"]
