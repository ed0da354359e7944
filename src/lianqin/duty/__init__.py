"""Duty: the 24-hour roster of each center and sub-center, and the shift handover."""
