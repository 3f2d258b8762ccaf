# wrong: the first question answered with a wrong option
# fails: test_measure_it_littles_law
# says: Why not b
measure_it = {
    "littles_law": "b",
    "littles_law_measured": "a",
    "percentile_vs_mean": "a",
    "client_bottleneck": "a",
    "warm_up": "a",
    "same_machine": "a",
    "sequential_benchmark": "a",
    "errors_count": "a",
    "ceiling_no_wait": "a",
    "timer_choice": "a",
}
