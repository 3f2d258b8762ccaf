# wrong: "b" everywhere (the keys are not all one letter)
# fails: test_answers_problem_1 test_answers_problem_3 test_answers_problem_4
# fails: test_answers_problem_5
# says: is not right
answer_1 = "b"
answer_2 = "b"
answer_3 = "b"
answer_4 = "b"
answer_5 = "b"
