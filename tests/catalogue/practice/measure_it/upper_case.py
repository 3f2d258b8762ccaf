# right: upper-case letters ("B") count too
measure_it = {
    "littles_law": "A",
    "littles_law_measured": "A",
    "percentile_vs_mean": "A",
    "client_bottleneck": "A",
    "warm_up": "A",
    "same_machine": "A",
    "sequential_benchmark": "A",
    "errors_count": "A",
    "ceiling_no_wait": "A",
    "timer_choice": "A",
}
