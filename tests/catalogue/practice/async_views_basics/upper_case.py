# right: upper-case letters ("B") count too
async_views_basics = {
    "what_makes_a_view_async": "A",
    "awaited_response_status": "A",
    "jsonresponse_list": "B",
    "forgot_await_in_cell": "B",
    "async_client_in_cell": "B",
    "shared_counter_race": "B",
    "sync_client_on_async_view": "B",
    "query_params": "A",
    "find_the_blocking_line": "A",
    "awaiting_a_response": "B",
    "sync_view_under_a_server": "B",
    "sync_view_under_the_test_client": "A",
}
