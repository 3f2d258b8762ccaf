# wrong: problems 2 and 5 wrong (the partly right submission)
# fails: test_answers_problem_2 test_answers_problem_5
# says: Why not a: Django has no async database driver
# says: Hint:
answer_1 = "c"
answer_2 = "a"
answer_3 = "d"
answer_4 = "a"
answer_5 = "b"
