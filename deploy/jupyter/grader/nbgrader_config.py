# The formgrader's nbgrader configuration (the grader Deployment sets JUPYTER_CONFIG_PATH here):
# the course's grading configuration from the repository, on the course volume, with the
# PostgreSQL gradebook whose URL the pod gets from a secret.
import os

c = get_config()  # noqa: F821
load_subconfig("/opt/async-django-hands-on/nbgrader_config.py")  # noqa: F821
c.CourseDirectory.course_id = "async-django-hands-on"
c.CourseDirectory.root = "/srv/course/async-django-hands-on"
c.CourseDirectory.db_url = os.environ["GRADEBOOK_DB_URL"]
c.Exchange.root = "/srv/nbgrader/exchange"
