"""The grid worker's phone page: my grids, my tasks, patrol check-ins, reports and on-site
work, usable offline."""
