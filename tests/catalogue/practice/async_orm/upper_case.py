# right: upper-case letters ("B") count too
async_orm = {
    "sync_first_in_async": "B",
    "building_a_queryset_is_fine": "B",
    "async_for_titles": "B",
    "related_attribute": "B",
    "select_related_fix": "A",
    "aget_missing": "B",
    "acount": "A",
    "atomic_in_async": "B",
    "transaction_with_sync_to_async": "A",
    "values_are_dicts": "A",
    "truth_test_queryset": "B",
    "query_threads_under_a_server": "B",
}
