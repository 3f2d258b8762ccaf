# wrong: the template left as handed out (all None), the raise deleted
# fails: test_answers_problem_1 test_answers_problem_2 test_answers_problem_3
# fails: test_answers_problem_4 test_answers_problem_5
# says: answer_1 is None: not answered
answer_1 = None  # problem 1: concept
answer_2 = None  # problem 2: orm behaviour
answer_3 = None  # problem 3: async syntax
answer_4 = None  # problem 4: debugging
answer_5 = None  # problem 5: predict output
