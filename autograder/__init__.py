"""autograder: the trusted half of the kit: isolation, grading, reports and the hidden tests."""
