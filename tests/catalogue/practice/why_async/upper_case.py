# right: upper-case letters ("B") count too
why_async = {
    "what_async_buys": "B",
    "gathered_sleeps": "A",
    "gathered_blocking_sleeps": "B",
    "view_returns_coroutine": "B",
    "await_gives_response": "A",
    "cpu_bound_view": "B",
    "mixed_wait_and_compute": "B",
    "which_nap_is_polite": "C",
    "event_loop_threads": "A",
    "await_without_pause": "B",
    "task_order": "C",
    "done_after_one_second": "B",
    "measure_not_guess": "A",
}
