# wrong: every other question wrong
# fails: test_measure_it_littles_law_measured test_measure_it_client_bottleneck test_measure_it_same_machine test_measure_it_errors_count test_measure_it_timer_choice
# says: Hint:
measure_it = {
    "littles_law": "a",
    "littles_law_measured": "b",
    "percentile_vs_mean": "a",
    "client_bottleneck": "b",
    "warm_up": "a",
    "same_machine": "b",
    "sequential_benchmark": "a",
    "errors_count": "b",
    "ceiling_no_wait": "a",
    "timer_choice": "b",
}
