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
    "await_without_pause": "b",
    "task_order": "c",
    "done_after_one_second": "b",
    "measure_not_guess": "a",
}
