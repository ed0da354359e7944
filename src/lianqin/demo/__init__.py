"""The demo district: a synthetic, deterministic Pukou-shaped district with a month of
history, built through the same actions a real district uses."""
