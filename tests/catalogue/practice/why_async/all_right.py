# right: every key, in the template's dict
why_async = {
    "what_async_buys": "b",
    "gathered_sleeps": "a",
    "gathered_blocking_sleeps": "b",
    "view_returns_coroutine": "b",
    "await_gives_response": "a",
    "cpu_bound_view": "b",
    "mixed_wait_and_compute": "b",
    "which_nap_is_polite": "c",
    "event_loop_threads": "a",
    "measure_not_guess": "a",
}
