"""Accounts from the terminal: the first admin, API tokens."""

from __future__ import annotations
