"""The citizens' page: report a problem, follow it with a tracking number, rate the result."""
