"""The leaders' dashboard: today and the trends, by street and channel, in charts."""
