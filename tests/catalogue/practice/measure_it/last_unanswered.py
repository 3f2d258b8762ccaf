# wrong: the last question left at None
# fails: test_measure_it_timer_choice
# says: not answered
measure_it = {
    "littles_law": "a",
    "littles_law_measured": "a",
    "percentile_vs_mean": "a",
    "client_bottleneck": "a",
    "warm_up": "a",
    "same_machine": "a",
    "sequential_benchmark": "a",
    "errors_count": "a",
    "ceiling_no_wait": "a",
    "timer_choice": None,
}
