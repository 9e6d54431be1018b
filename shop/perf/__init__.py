"""Performance tooling: volume data (``manage.py seed_volume``), benchmarks (``manage.py bench``).

Nothing here runs in a live shop's request path; these modules fill and measure databases made
for the purpose.
"""
