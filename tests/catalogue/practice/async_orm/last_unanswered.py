# wrong: the last question left at None
# fails: test_async_orm_query_threads_under_a_server
# says: not answered
async_orm = {
    "sync_first_in_async": "b",
    "building_a_queryset_is_fine": "b",
    "async_for_titles": "b",
    "related_attribute": "b",
    "select_related_fix": "a",
    "aget_missing": "b",
    "acount": "a",
    "atomic_in_async": "b",
    "transaction_with_sync_to_async": "a",
    "values_are_dicts": "a",
    "truth_test_queryset": "b",
    "query_threads_under_a_server": None,
}
